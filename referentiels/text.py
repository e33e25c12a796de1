def truncate_at_word(value: str, max_length: int) -> str:
    """Cut a SIRENE value to a form's limit at a word boundary (the seeds: libellé 28, complément 38)."""
    value = " ".join((value or "").split())
    if len(value) <= max_length:
        return value
    cut = value[: max_length + 1].rsplit(" ", 1)[0]
    return (cut if 0 < len(cut) <= max_length else value[:max_length]).rstrip(" ,-")
