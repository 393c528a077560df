################################################################################
# Monitoring alarms: drift, live precision, freshness (metrics from the monitoring pipeline)
################################################################################

locals {
  monitoring_dimensions = {
    Endpoint           = local.endpoint_name
    MonitoringSchedule = "${local.endpoint_name}-monitoring"
  }

  # One alarm per monitoring metric the pipeline publishes (one value per day).
  monitoring_alarms = {
    drift = {
      description        = "Captured inputs drifted from the baseline, or failed a data quality check (see the monitoring run's constraint_violations.json)"
      namespace          = "aws/sagemaker/Endpoints/data-metrics"
      metric_name        = "constraint_violations"
      statistic          = "Maximum"
      comparison         = "GreaterThanThreshold"
      evaluation_periods = 1
      treat_missing_data = "notBreaching"
    }
    precision-below-base-rate = {
      description        = "Live precision has been below the always-up base rate of the same days for ${var.precision_alarm_days} monitoring days"
      namespace          = "aws/sagemaker/Endpoints/model-metrics"
      metric_name        = "precision_minus_base_rate"
      statistic          = "Average"
      comparison         = "LessThanThreshold"
      evaluation_periods = var.precision_alarm_days
      treat_missing_data = "ignore"
    }
    missing-predictions = {
      description        = "A recent trading day has no stored prediction"
      namespace          = "aws/sagemaker/Endpoints/model-metrics"
      metric_name        = "missing_predictions"
      statistic          = "Maximum"
      comparison         = "GreaterThanThreshold"
      evaluation_periods = 1
      treat_missing_data = "notBreaching"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "monitoring" {
  for_each = local.monitoring_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = local.monitoring_dimensions
  statistic           = each.value.statistic
  period              = 86400
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.evaluation_periods
  threshold           = 0
  comparison_operator = each.value.comparison
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

################################################################################
# Optional: retrain when the drift alarm goes off
################################################################################

resource "aws_cloudwatch_event_rule" "retrain_on_drift" {
  count = var.retrain_on_drift ? 1 : 0

  name        = "${var.name}-retrain-on-drift"
  description = "Start the training pipeline when the drift alarm enters ALARM"
  event_pattern = jsonencode({
    source      = ["aws.cloudwatch"]
    detail-type = ["CloudWatch Alarm State Change"]
    resources   = [aws_cloudwatch_metric_alarm.monitoring["drift"].arn]
    detail      = { state = { value = ["ALARM"] } }
  })
}

resource "aws_cloudwatch_event_target" "retrain_on_drift" {
  count = var.retrain_on_drift ? 1 : 0

  rule      = aws_cloudwatch_event_rule.retrain_on_drift[0].name
  target_id = "training-pipeline"
  arn       = aws_sagemaker_pipeline.this["training"].arn
  role_arn  = aws_iam_role.retrain[0].arn

  sagemaker_pipeline_target {
    pipeline_parameter_list {
      name  = "DataSource"
      value = var.data_source
    }
  }
}

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "retrain" {
  count = var.retrain_on_drift ? 1 : 0

  name               = "${var.name}-retrain-on-drift"
  assume_role_policy = data.aws_iam_policy_document.events_assume.json
}

resource "aws_iam_role_policy" "retrain" {
  count = var.retrain_on_drift ? 1 : 0

  name = "start-training"
  role = aws_iam_role.retrain[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "StartTraining"
      Effect   = "Allow"
      Action   = ["sagemaker:StartPipelineExecution"]
      Resource = [aws_sagemaker_pipeline.this["training"].arn]
    }]
  })
}
