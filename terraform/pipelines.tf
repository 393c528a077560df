################################################################################
# Model registry and the SageMaker pipelines (same templates as the local runner)
################################################################################

resource "aws_sagemaker_model_package_group" "this" {
  model_package_group_name        = var.name
  model_package_group_description = "${var.name}: next-day direction models that passed the walk-forward gate"
}

resource "aws_sagemaker_pipeline" "this" {
  for_each = toset(local.pipelines)

  pipeline_name         = "${var.name}-${each.key}"
  pipeline_display_name = "${var.name}-${each.key}"
  pipeline_description  = "${var.name} ${each.key} pipeline"
  role_arn              = aws_iam_role.sagemaker.arn
  pipeline_definition   = templatefile("${path.module}/pipelines/${each.key}.json.tftpl", local.pipeline_template_values)
}
