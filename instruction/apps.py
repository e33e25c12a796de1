from django.apps import AppConfig


class InstructionConfig(AppConfig):
    """The back office of the UD agents of the DDETS, who instruct the DAP."""

    name = "instruction"
    verbose_name = "Instruction"
