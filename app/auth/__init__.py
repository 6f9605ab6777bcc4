"""Who may call: API keys (created, hashed, looked up and briefly remembered) and the
principal each key stands for. The roles themselves are words of `app.enums`.
"""
