################################################################################
# General
################################################################################

variable "name" {
  description = "Prefix of every resource name (lowercase letters, digits and hyphens)."
  type        = string
  default     = "stockpred"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region code such as us-east-1."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# Images and code
################################################################################

variable "image_tag" {
  description = "Tag of the four step images in ECR (make deploy passes the git commit)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid Docker tag (letters, digits, _ . -; at most 128)."
  }
}

variable "lambda_zip" {
  description = "Path of the Lambda package built by `make lambda-zip`."
  type        = string
  default     = "../build/lambda.zip"
}

################################################################################
# Pipelines
################################################################################

variable "data_source" {
  description = "Default market data source of the pipelines: yahoo, or auto (Yahoo, else the bundled snapshot)."
  type        = string
  default     = "yahoo"

  validation {
    condition     = contains(["yahoo", "auto"], var.data_source)
    error_message = "data_source must be yahoo or auto."
  }
}

variable "processing_instance_type" {
  description = "Instance type of the Processing steps (ingest, process, evaluate)."
  type        = string
  default     = "ml.t3.medium"

  validation {
    condition     = can(regex("^ml\\.", var.processing_instance_type))
    error_message = "processing_instance_type must be a SageMaker instance type (ml.*)."
  }
}

variable "training_instance_type" {
  description = "Instance type of the Training step."
  type        = string
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.", var.training_instance_type))
    error_message = "training_instance_type must be a SageMaker instance type (ml.*)."
  }
}

################################################################################
# Endpoint
################################################################################

variable "endpoint_name" {
  description = "Name of the SageMaker endpoint (default: the name prefix)."
  type        = string
  default     = null

  validation {
    condition     = var.endpoint_name == null || can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", coalesce(var.endpoint_name, "x")))
    error_message = "endpoint_name must be 1-63 letters, digits or hyphens."
  }
}

variable "endpoint_type" {
  description = "serverless (default: cheapest for one prediction a day) or realtime."
  type        = string
  default     = "serverless"

  validation {
    condition     = contains(["serverless", "realtime"], var.endpoint_type)
    error_message = "endpoint_type must be serverless or realtime."
  }
}

variable "serverless_memory_mb" {
  description = "Memory of the serverless endpoint (1024-6144 MB in 1024 MB steps)."
  type        = number
  default     = 2048

  validation {
    condition     = contains([1024, 2048, 3072, 4096, 5120, 6144], var.serverless_memory_mb)
    error_message = "serverless_memory_mb must be one of 1024, 2048, 3072, 4096, 5120, 6144."
  }
}

variable "serverless_max_concurrency" {
  description = "Maximum concurrent invocations of the serverless endpoint (1-200)."
  type        = number
  default     = 1

  validation {
    condition     = var.serverless_max_concurrency >= 1 && var.serverless_max_concurrency <= 200
    error_message = "serverless_max_concurrency must be between 1 and 200."
  }
}

variable "realtime_instance_type" {
  description = "Instance type of a realtime endpoint."
  type        = string
  default     = "ml.t2.medium"

  validation {
    condition     = can(regex("^ml\\.", var.realtime_instance_type))
    error_message = "realtime_instance_type must be a SageMaker instance type (ml.*)."
  }
}

################################################################################
# Schedules (EventBridge Scheduler, in the exchange's time zone)
################################################################################

variable "schedule_timezone" {
  description = "Time zone of the schedule expressions (the exchange's: no UTC arithmetic, no daylight-saving drift)."
  type        = string
  default     = "America/New_York"
}

variable "training_schedule" {
  description = "When the training pipeline runs (weekly)."
  type        = string
  default     = "cron(0 6 ? * SAT *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.training_schedule))
    error_message = "training_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "inference_schedule" {
  description = "When the inference pipeline runs: every weekday after the 16:00 New York close (holidays are detected by the pipeline)."
  type        = string
  default     = "cron(30 17 ? * MON-FRI *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.inference_schedule))
    error_message = "inference_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "schedules_enabled" {
  description = "Whether the schedules are enabled."
  type        = bool
  default     = true
}

################################################################################
# Operations
################################################################################

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic (empty: no subscription)."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an email address or empty."
  }
}

variable "log_retention_days" {
  description = "Retention of the Lambda log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ... 3653)."
  }
}

variable "artifact_retention_days" {
  description = "Days pipeline run artifacts (s3://bucket/pipelines/) are kept; registered models are copied by SageMaker and are not affected."
  type        = number
  default     = 180

  validation {
    condition     = var.artifact_retention_days >= 7
    error_message = "artifact_retention_days must be at least 7."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete a non-empty bucket and ECR repositories with images (for test stacks)."
  type        = bool
  default     = false
}

################################################################################
# Monitoring
################################################################################

variable "monitoring_schedule" {
  description = "When the monitoring pipeline runs: every weekday after the inference pipeline."
  type        = string
  default     = "cron(30 18 ? * MON-FRI *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.monitoring_schedule))
    error_message = "monitoring_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "precision_alarm_days" {
  description = "Alarm when live precision stays below the always-up base rate for this many monitoring days in a row."
  type        = number
  default     = 10

  validation {
    condition     = var.precision_alarm_days >= 1 && var.precision_alarm_days <= 90
    error_message = "precision_alarm_days must be between 1 and 90."
  }
}

variable "retrain_on_drift" {
  description = "Start the training pipeline when the drift alarm goes off."
  type        = bool
  default     = false
}
