"""Static files in production: WhiteNoise's compressed copies with hashed names,
where the ES modules of static/js import each other by their hashed names too
(Django rewrites `import … from "./x.js";`), so a page never runs a new module
with an older, cached one it imports."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
