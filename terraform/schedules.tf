################################################################################
# Schedules: EventBridge Scheduler in the exchange's time zone
################################################################################

resource "aws_scheduler_schedule" "training" {
  # checkov:skip=CKV_AWS_297:The schedule holds no data but pipeline parameter values; the AWS-owned key suffices.
  name                         = "${var.name}-training"
  description                  = "Weekly training pipeline"
  schedule_expression          = var.training_schedule
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedules_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sagemaker_pipeline.this["training"].arn
    role_arn = aws_iam_role.scheduler.arn

    sagemaker_pipeline_parameters {
      pipeline_parameter {
        name  = "DataSource"
        value = var.data_source
      }
    }

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }
}

resource "aws_scheduler_schedule" "inference" {
  # checkov:skip=CKV_AWS_297:The schedule holds no data but pipeline parameter values; the AWS-owned key suffices.
  name                         = "${var.name}-inference"
  description                  = "Inference pipeline every weekday after the New York close; a market holiday is recorded as no session"
  schedule_expression          = var.inference_schedule
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedules_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sagemaker_pipeline.this["inference"].arn
    role_arn = aws_iam_role.scheduler.arn

    sagemaker_pipeline_parameters {
      pipeline_parameter {
        name  = "DataSource"
        value = var.data_source
      }
      pipeline_parameter {
        name  = "RequireSessionToday"
        value = "true"
      }
    }

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }
}

resource "aws_scheduler_schedule" "monitoring" {
  # checkov:skip=CKV_AWS_297:The schedule holds no data but pipeline parameter values; the AWS-owned key suffices.
  name                         = "${var.name}-monitoring"
  description                  = "Monitoring pipeline every weekday after the inference pipeline"
  schedule_expression          = var.monitoring_schedule
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedules_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sagemaker_pipeline.this["monitoring"].arn
    role_arn = aws_iam_role.scheduler.arn

    sagemaker_pipeline_parameters {
      pipeline_parameter {
        name  = "DataSource"
        value = var.data_source
      }
    }

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }
}
