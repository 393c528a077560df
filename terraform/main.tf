provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = var.name }, var.tags)
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  steps         = ["ingest", "process", "train", "infer"]
  image_uris    = { for step in local.steps : step => "${aws_ecr_repository.this[step].repository_url}:${var.image_tag}" }
  endpoint_name = coalesce(var.endpoint_name, var.name)
  pipelines     = ["training", "inference", "monitoring"]

  # The values substituted into terraform/pipelines/*.json.tftpl. The local runner renders the
  # same templates with local stand-ins (stockpred pipeline render).
  pipeline_template_values = {
    bucket                   = aws_s3_bucket.this.bucket
    role_arn                 = aws_iam_role.sagemaker.arn
    ingest_image             = local.image_uris["ingest"]
    process_image            = local.image_uris["process"]
    train_image              = local.image_uris["train"]
    infer_image              = local.image_uris["infer"]
    model_package_group      = aws_sagemaker_model_package_group.this.model_package_group_name
    deploy_function_arn      = aws_lambda_function.this["deploy"].arn
    predict_function_arn     = aws_lambda_function.this["predict"].arn
    monitor_function_arn     = aws_lambda_function.this["monitor"].arn
    endpoint_name            = local.endpoint_name
    data_source              = var.data_source
    processing_instance_type = var.processing_instance_type
    training_instance_type   = var.training_instance_type
  }
}
