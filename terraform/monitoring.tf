################################################################################
# Monitoring alarms: drift, live precision, freshness (metrics from the monitoring pipeline)
################################################################################

locals {
  monitoring_dimensions = {
    Endpoint           = local.endpoint_name
    MonitoringSchedule = "${local.endpoint_name}-monitoring"
  }
}

resource "aws_cloudwatch_metric_alarm" "drift" {
  alarm_name          = "${var.name}-drift"
  alarm_description   = "Captured inputs drifted from the baseline, or failed a data quality check (see the monitoring run's constraint_violations.json)"
  namespace           = "aws/sagemaker/Endpoints/data-metrics"
  metric_name         = "constraint_violations"
  dimensions          = local.monitoring_dimensions
  statistic           = "Maximum"
  period              = 86400
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "precision_below_base_rate" {
  alarm_name          = "${var.name}-precision-below-base-rate"
  alarm_description   = "Live precision has been below the always-up base rate of the same days for ${var.precision_alarm_days} monitoring days"
  namespace           = "aws/sagemaker/Endpoints/model-metrics"
  metric_name         = "precision_minus_base_rate"
  dimensions          = local.monitoring_dimensions
  statistic           = "Average"
  period              = 86400
  evaluation_periods  = var.precision_alarm_days
  datapoints_to_alarm = var.precision_alarm_days
  threshold           = 0
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "ignore"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "missing_predictions" {
  alarm_name          = "${var.name}-missing-predictions"
  alarm_description   = "A recent trading day has no stored prediction"
  namespace           = "aws/sagemaker/Endpoints/model-metrics"
  metric_name         = "missing_predictions"
  dimensions          = local.monitoring_dimensions
  statistic           = "Maximum"
  period              = 86400
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
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
    resources   = [aws_cloudwatch_metric_alarm.drift.arn]
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
