################################################################################
# Lambdas: deploy (training pipeline) and predict (inference pipeline)
################################################################################

locals {
  lambdas = {
    deploy = {
      description = "Deploys an approved model package version to the ${local.endpoint_name} endpoint"
      timeout     = 300
      environment = {
        STOCKPRED_BACKEND                    = "aws"
        STOCKPRED_BUCKET                     = aws_s3_bucket.this.bucket
        STOCKPRED_SAGEMAKER_ROLE_ARN         = aws_iam_role.sagemaker.arn
        STOCKPRED_ENDPOINT_TYPE              = var.endpoint_type
        STOCKPRED_SERVERLESS_MEMORY_MB       = tostring(var.serverless_memory_mb)
        STOCKPRED_SERVERLESS_MAX_CONCURRENCY = tostring(var.serverless_max_concurrency)
        STOCKPRED_INSTANCE_TYPE              = var.realtime_instance_type
      }
    }
    predict = {
      description = "Predicts the next session with the ${local.endpoint_name} endpoint; stores and captures it"
      timeout     = 120
      environment = {
        STOCKPRED_BACKEND           = "aws"
        STOCKPRED_BUCKET            = aws_s3_bucket.this.bucket
        STOCKPRED_PREDICTIONS_TABLE = aws_dynamodb_table.predictions.name
      }
    }
    monitor = {
      description = "Publishes the monitoring metrics to CloudWatch and records the outcomes of past predictions"
      timeout     = 120
      environment = {
        STOCKPRED_BACKEND           = "aws"
        STOCKPRED_BUCKET            = aws_s3_bucket.this.bucket
        STOCKPRED_PREDICTIONS_TABLE = aws_dynamodb_table.predictions.name
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "lambda" {
  for_each = local.lambdas

  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_115:Invoked once a day by a pipeline step; reserved concurrency would take from the account's unreserved pool for nothing.
  # checkov:skip=CKV_AWS_116:Invoked synchronously by SageMaker Pipelines (a DLQ only applies to asynchronous invocations); the pipeline records failures.
  # checkov:skip=CKV_AWS_117:Talks only to AWS APIs; a VPC would need NAT or interface endpoints at extra cost and no gain.
  # checkov:skip=CKV_AWS_272:The package is built reproducibly from this repository by `make lambda-zip`; code signing needs a Signer profile per account.
  for_each = local.lambdas

  function_name    = "${var.name}-${each.key}"
  description      = each.value.description
  role             = aws_iam_role.lambda[each.key].arn
  handler          = "stockpred.lambdas.${each.key}.handler"
  runtime          = "python3.11"
  architectures    = ["x86_64"]
  filename         = var.lambda_zip
  source_code_hash = filebase64sha256(var.lambda_zip)
  timeout          = each.value.timeout
  memory_size      = 256
  kms_key_arn      = aws_kms_key.this.arn

  environment {
    variables = each.value.environment
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.lambda]
}
