################################################################################
# Operations: SNS topic, pipeline failure events, Lambda error alarms
################################################################################

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.id
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "EventBridgeAndAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_cloudwatch_event_rule" "pipeline_failed" {
  name        = "${var.name}-pipeline-failed"
  description = "A ${var.name} pipeline execution failed or stopped"
  event_pattern = jsonencode({
    source      = ["aws.sagemaker"]
    detail-type = ["SageMaker Model Building Pipeline Execution Status Change"]
    detail = {
      currentPipelineExecutionStatus = ["Failed", "Stopped"]
      pipelineArn                    = [for pipeline in aws_sagemaker_pipeline.this : pipeline.arn]
    }
  })
}

resource "aws_cloudwatch_event_target" "pipeline_failed" {
  rule      = aws_cloudwatch_event_rule.pipeline_failed.name
  target_id = "alarms-topic"
  arn       = aws_sns_topic.alarms.arn
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = aws_lambda_function.this

  alarm_name          = "${each.value.function_name}-errors"
  alarm_description   = "The ${each.key} Lambda reported an error"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
