variable "name" {
  description = "Name prefix of the province's resources."
  type        = string
}

variable "image" {
  description = "Container image with runxin installed (see Dockerfile), by digest: registry/runxin@sha256:..."
  type        = string
}

variable "vpc_id" {
  description = "The province's VPC (network module)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Subnets of the load balancer (network module)."
  type        = list(string)
}

variable "app_subnet_ids" {
  description = "Private subnets of the tasks (network module)."
  type        = list(string)
}

variable "allowed_cidrs" {
  description = "Networks that may reach the API over HTTPS (the bureaus' and schools' egress, or 0.0.0.0/0)."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate of the API's host name (issued or imported in ACM)."
  type        = string
}

variable "access_log_bucket" {
  description = "S3 bucket of the load balancer's access logs."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster of the province."
  type        = string
}

variable "cluster_name" {
  description = "Name of that cluster (for the autoscaler's resource id)."
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

variable "cpu" {
  description = "Fargate CPU units per task (1024 = one vCPU: one server process)."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Fargate memory per task, MiB."
  type        = number
  default     = 2048
}

variable "min_tasks" {
  description = "Tasks always running (two or more: one per zone survives a zone's loss)."
  type        = number
  default     = 3
  validation {
    condition     = var.min_tasks >= 2
    error_message = "min_tasks must be at least 2 so that losing a task or a zone keeps the API up."
  }
}

variable "max_tasks" {
  description = "Ceiling of CPU autoscaling."
  type        = number
  default     = 12
}

variable "requests_per_5_minutes_per_address" {
  description = "WAF rate limit per client address (the application's own cost limits apply per principal)."
  type        = number
  default     = 6000
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
