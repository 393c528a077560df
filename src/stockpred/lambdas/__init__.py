"""Lambda handlers called by the pipelines' Lambda steps (and by the local runner, unchanged).
They import only the standard library, boto3 and the light modules of this package."""
