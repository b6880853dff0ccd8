"""Mail born outside POST /emails: each intake turns an event into a send
request and hands it to the same accept path (rate limits, suppression,
idempotency and the message log apply unchanged).
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "cognito": ("CognitoEmailSender", "KmsCodeCipher", "KmsMac", "cognito_templates"),
    "stream": ("WelcomeMapping", "WelcomeSender"),
    "hooks": ("HookIntake", "HookAnswer"),
    "secrets": ("HookSecrets",),
    "signatures": ("sign", "decode_secret"),
    "sources": ("all_sources",),
    "status": ("HookStatus",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
