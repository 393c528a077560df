output "s3_bucket_name" {
  description = "Bucket of pipeline artifacts, models and captured requests."
  value       = aws_s3_bucket.this.bucket
}

output "s3_bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the bucket, table, images, logs and topic."
  value       = aws_kms_key.this.arn
}

output "dynamodb_table_name" {
  description = "DynamoDB table of predictions (PK ticker, SK target_date)."
  value       = aws_dynamodb_table.predictions.name
}

output "ecr_repository_urls" {
  description = "ECR repository URL of each step image (make push pushes here)."
  value       = { for step, repository in aws_ecr_repository.this : step => repository.repository_url }
}

output "image_uris" {
  description = "Image URIs the pipelines run."
  value       = local.image_uris
}

output "sagemaker_pipeline_names" {
  description = "Name of each SageMaker pipeline."
  value       = { for name, pipeline in aws_sagemaker_pipeline.this : name => pipeline.pipeline_name }
}

output "sagemaker_pipeline_arns" {
  description = "ARN of each SageMaker pipeline."
  value       = { for name, pipeline in aws_sagemaker_pipeline.this : name => pipeline.arn }
}

output "pipeline_template_values" {
  description = "The values substituted into terraform/pipelines/*.json.tftpl."
  value       = local.pipeline_template_values
}

output "model_package_group_name" {
  description = "SageMaker model package group of the registered models."
  value       = aws_sagemaker_model_package_group.this.model_package_group_name
}

output "endpoint_name" {
  description = "Name of the SageMaker endpoint the deploy step creates or updates."
  value       = local.endpoint_name
}

output "lambda_function_arns" {
  description = "ARN of each Lambda: deploy, predict and monitor."
  value       = { for name, function in aws_lambda_function.this : name => function.arn }
}

output "sagemaker_role_arn" {
  description = "Execution role of the pipelines' jobs and the endpoint."
  value       = aws_iam_role.sagemaker.arn
}

output "sns_topic_arn" {
  description = "Topic that receives pipeline failures and every alarm (Lambda errors, drift, live precision, missing predictions)."
  value       = aws_sns_topic.alarms.arn
}

output "schedule_names" {
  description = "EventBridge Scheduler schedules of the pipelines."
  value       = { for name, schedule in aws_scheduler_schedule.this : name => schedule.name }
}

output "aws_region" {
  description = "Region of the stack (make push logs in to this region's ECR)."
  value       = local.region
}
