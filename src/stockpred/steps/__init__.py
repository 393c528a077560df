"""Container entrypoints, one per image. Each is thin: parse the SageMaker paths and arguments,
call the package's functions, write the outputs. The /opt/ml root is overridable with
STOCKPRED_OPT_ML so the local runner and the tests run them in a temporary folder."""
