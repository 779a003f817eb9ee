"""The core: API, conversation, models, history, transcripts. Never imports Textual."""
