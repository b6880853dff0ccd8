"""Templates as people edit them: the model and its checks, the versioned S3
store, the compiled-template cache, the sandboxed renderer with its bounds,
the text part derived from HTML, and the manager behind the admin routes.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "store": ("TemplateStore",),
    "cache": ("TemplateCache",),
    "manager": ("TemplateManager",),
    "renderer": ("CompiledTemplate", "RenderLimits", "RenderedMail"),
    "model": ("TemplateDoc", "parse_template", "validate_name", "LOCALE_PATTERN"),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
