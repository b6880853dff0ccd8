"""Mail born elsewhere (identity providers, signed webhooks), brought to the
same accept path as POST /emails.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "cognito": ("CognitoEmailSender", "KmsCodeCipher", "KmsMac", "cognito_templates"),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
