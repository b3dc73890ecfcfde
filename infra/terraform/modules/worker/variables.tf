variable "name" {
  description = "Name prefix of the province's resources."
  type        = string
}

variable "image" {
  description = "Container image with runxin installed, by digest (the same as the API's)."
  type        = string
}

variable "vpc_id" {
  description = "The province's VPC (network module)."
  type        = string
}

variable "app_subnet_ids" {
  description = "Private subnets of the tasks (network module)."
  type        = list(string)
}

variable "cluster_arn" {
  description = "ECS cluster of the province."
  type        = string
}

variable "log_group_name" {
  description = "CloudWatch log group of the tasks."
  type        = string
}

variable "log_group_arn" {
  description = "ARN of that log group."
  type        = string
}

variable "kms_key_arn" {
  description = "The deployment's KMS key (secrets module)."
  type        = string
}

variable "environment" {
  description = "Plain RUNXIN_* settings (no secrets)."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Settings read from Secrets Manager at start: RUNXIN_* name -> secret ARN."
  type        = map(string)
}

variable "migration_database_url_secret_arn" {
  description = "Secret with the owner's database URL, for the migrate task only."
  type        = string
}

variable "tasks" {
  description = "Worker tasks (two or more: each consumes and sweeps, so one can die)."
  type        = number
  default     = 3
  validation {
    condition     = var.tasks >= 2
    error_message = "tasks must be at least 2 so that losing one keeps the chain moving."
  }
}

variable "threads" {
  description = "Dramatiq threads per task (RUNXIN_WORKER_THREADS)."
  type        = number
  default     = 4
}

variable "cpu" {
  description = "Fargate CPU units per task."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Fargate memory per task, MiB."
  type        = number
  default     = 2048
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
