################################################################################
# Schedules: EventBridge Scheduler in the exchange's time zone
################################################################################

locals {
  schedules = {
    training = {
      description = "Weekly training pipeline"
      expression  = var.training_schedule
      parameters  = { DataSource = var.data_source }
    }
    inference = {
      description = "Inference pipeline every weekday after the New York close; a market holiday is recorded as no session"
      expression  = var.inference_schedule
      parameters  = { DataSource = var.data_source, RequireSessionToday = "true" }
    }
    monitoring = {
      description = "Monitoring pipeline every weekday after the inference pipeline"
      expression  = var.monitoring_schedule
      parameters  = { DataSource = var.data_source }
    }
  }
}

resource "aws_scheduler_schedule" "this" {
  # checkov:skip=CKV_AWS_297:The schedule holds no data but pipeline parameter values; the AWS-owned key suffices.
  for_each = local.schedules

  name                         = "${var.name}-${each.key}"
  description                  = each.value.description
  schedule_expression          = each.value.expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedules_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sagemaker_pipeline.this[each.key].arn
    role_arn = aws_iam_role.scheduler.arn

    sagemaker_pipeline_parameters {
      dynamic "pipeline_parameter" {
        for_each = each.value.parameters
        content {
          name  = pipeline_parameter.key
          value = pipeline_parameter.value
        }
      }
    }

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }
}
