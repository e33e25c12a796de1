// Live character counter of the text areas that carry data-char-limit ("1000 caractères maximum").
// Progressive enhancement: the server checks the length again and refuses a longer text; nothing is ever cut.
(() => {
  const format = (count, limit) => {
    if (count > limit) {
      const over = count - limit;
      return `${count} / ${limit} caractères : ${over} caractère${over > 1 ? "s" : ""} de trop`;
    }
    const left = limit - count;
    return `${count} / ${limit} caractères (encore ${left} possible${left > 1 ? "s" : ""})`;
  };

  document.querySelectorAll("textarea[data-char-limit]").forEach((field) => {
    const limit = Number(field.dataset.charLimit);
    const counter = document.createElement("p");
    counter.id = `${field.id}-counter`;
    counter.className = "fr-message fr-message--info fr-mt-1w";
    counter.dataset.charCounter = "";
    // Announced to screen readers once the typing pauses, not at every key.
    const live = document.createElement("p");
    live.className = "fr-sr-only";
    live.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", live);
    const describedBy = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    field.setAttribute("aria-describedby", [...describedBy, counter.id].join(" "));

    let timer;
    const update = (announce) => {
      // Code points, as the server counts them (an emoji is one character); line breaks count one.
      const count = Array.from(field.value).length;
      const text = format(count, limit);
      counter.textContent = text;
      counter.classList.toggle("fr-message--error", count > limit);
      counter.classList.toggle("fr-message--info", count <= limit);
      clearTimeout(timer);
      if (announce) {
        timer = setTimeout(() => {
          live.textContent = text;
        }, 800);
      }
    };
    field.addEventListener("input", () => update(true));
    update(false);
  });
})();
