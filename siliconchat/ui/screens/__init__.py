"""The secondary screens: model picker, first-run setup, conversation settings, help."""
