################################################################################
# IAM: one role per actor, least privilege
################################################################################

locals {
  sagemaker_arn_prefix = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}"
  log_group_prefix     = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group"
}

# --------------------------------------------------------------------------- SageMaker
# Runs the pipelines' jobs and the endpoint's model container.

data "aws_iam_policy_document" "sagemaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sagemaker" {
  name               = "${var.name}-sagemaker"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_assume.json
}

data "aws_iam_policy_document" "sagemaker" {
  statement {
    sid       = "BucketObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.this.arn}/*"]
  }

  statement {
    sid       = "BucketListing"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.this.arn]
  }

  statement {
    sid       = "Key"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]
  }

  statement {
    sid       = "PullImages"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = [for repository in aws_ecr_repository.this : repository.arn]
  }

  # ecr:GetAuthorizationToken is not resource-scoped: AWS requires "*".
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "JobLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${local.log_group_prefix}:/aws/sagemaker/*"]
  }

  # The pipeline service creates the steps' jobs and the model package with this role.
  statement {
    sid = "PipelineJobs"
    actions = [
      "sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob",
      "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob",
      "sagemaker:AddTags",
    ]
    resources = [
      "${local.sagemaker_arn_prefix}:processing-job/*",
      "${local.sagemaker_arn_prefix}:training-job/*",
    ]
  }

  statement {
    sid     = "RegisterModel"
    actions = ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage", "sagemaker:AddTags"]
    resources = [
      "${local.sagemaker_arn_prefix}:model-package/${var.name}/*",
      "${local.sagemaker_arn_prefix}:model-package-group/${var.name}",
    ]
  }

  statement {
    sid       = "PipelineLambdas"
    actions   = ["lambda:InvokeFunction"]
    resources = [for function in aws_lambda_function.this : function.arn]
  }

  statement {
    sid       = "PassOwnRoleToJobs"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.sagemaker.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "sagemaker" {
  name   = "pipelines-and-endpoint"
  role   = aws_iam_role.sagemaker.id
  policy = data.aws_iam_policy_document.sagemaker.json
}

# --------------------------------------------------------------------------- Lambdas

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  for_each = local.lambdas

  name               = "${var.name}-${each.key}-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "lambda_common" {
  for_each = local.lambdas

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda[each.key].arn}:*"]
  }

  # Decrypt: the environment and the objects read; GenerateDataKey: the objects written (every
  # handler writes to the SSE-KMS bucket).
  statement {
    sid       = "BucketAndEnvironmentKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
  }

  # X-Ray's write API is not resource-scoped: AWS requires "*".
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "deploy" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["deploy"].json]

  statement {
    sid       = "ReadModelPackages"
    actions   = ["sagemaker:DescribeModelPackage"]
    resources = ["${local.sagemaker_arn_prefix}:model-package/${var.name}/*"]
  }

  statement {
    sid = "ManageEndpoint"
    actions = [
      "sagemaker:CreateModel", "sagemaker:DeleteModel",
      "sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig", "sagemaker:DeleteEndpointConfig",
      "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint",
      "sagemaker:AddTags",
    ]
    resources = [
      "${local.sagemaker_arn_prefix}:model/${local.endpoint_name}-*",
      "${local.sagemaker_arn_prefix}:endpoint-config/${local.endpoint_name}-*",
      "${local.sagemaker_arn_prefix}:endpoint/${local.endpoint_name}",
    ]
  }

  # List actions are not resource-scoped: AWS requires "*" (read-only).
  statement {
    sid       = "ListEndpointConfigs"
    actions   = ["sagemaker:ListEndpointConfigs"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadBaseline"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/pipelines/training/*"]
  }

  statement {
    sid       = "PublishBaseline"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/monitoring/baseline/*"]
  }

  statement {
    sid       = "PassExecutionRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.sagemaker.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "predict" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["predict"].json]

  statement {
    sid       = "ReadInferenceInputs"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/pipelines/inference/*"]
  }

  statement {
    sid       = "WriteCapturesAndGroundTruth"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/datacapture/*", "${aws_s3_bucket.this.arn}/groundtruth/*"]
  }

  # The handler checks whether outcomes.json exists by listing its key: ListBucket, limited
  # to the inference outputs.
  statement {
    sid       = "ListInferenceInputs"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["pipelines/inference/*"]
    }
  }

  statement {
    sid       = "Predictions"
    actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.predictions.arn]
  }

  statement {
    sid       = "InvokeEndpoint"
    actions   = ["sagemaker:InvokeEndpoint"]
    resources = ["${local.sagemaker_arn_prefix}:endpoint/${local.endpoint_name}"]
  }
}

data "aws_iam_policy_document" "monitor" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["monitor"].json]

  statement {
    sid       = "ReadMonitoringRuns"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/monitoring/runs/*"]
  }

  statement {
    sid       = "WriteGroundTruth"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/groundtruth/*"]
  }

  statement {
    sid       = "RecordOutcomes"
    actions   = ["dynamodb:Query", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.predictions.arn]
  }

  # PutMetricData is not resource-scoped: AWS requires "*"; the namespace condition limits it.
  statement {
    sid       = "PublishMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["aws/sagemaker/Endpoints/*"]
    }
  }
}

locals {
  lambda_policies = {
    deploy  = data.aws_iam_policy_document.deploy.json
    predict = data.aws_iam_policy_document.predict.json
    monitor = data.aws_iam_policy_document.monitor.json
  }
}

resource "aws_iam_role_policy" "lambda" {
  for_each = local.lambdas

  name   = each.key
  role   = aws_iam_role.lambda[each.key].id
  policy = local.lambda_policies[each.key]
}

# --------------------------------------------------------------------------- Scheduler

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "StartPipelines"
    actions   = ["sagemaker:StartPipelineExecution"]
    resources = [for pipeline in aws_sagemaker_pipeline.this : pipeline.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "start-pipelines"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
