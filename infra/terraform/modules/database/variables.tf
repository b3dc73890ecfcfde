variable "name" {
  description = "Name prefix of the province's resources."
  type        = string
}

variable "vpc_id" {
  description = "The province's VPC (network module)."
  type        = string
}

variable "subnet_ids" {
  description = "The isolated data subnets, one per zone (network module)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups of the tasks that connect (API, workers)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and backups (secrets module)."
  type        = string
}

variable "owner_password" {
  description = "Password of runxin_owner, the master user that owns the tables and runs migrations."
  type        = string
  sensitive   = true
}

variable "engine_version" {
  description = "PostgreSQL version (15 or later: the application's policies and security_invoker views need it)."
  type        = string
  default     = "16.4"
}

variable "instance_class" {
  description = "The primary's class. A province (15,000 schools) fits db.r6g.xlarge; the country, db.r6g.4xlarge."
  type        = string
  default     = "db.r6g.xlarge"
}

variable "replica_instance_class" {
  description = "The replicas' class (oversight reads)."
  type        = string
  default     = "db.r6g.large"
}

variable "replica_count" {
  description = "Streaming read replicas; the first serves the API's oversight reads."
  type        = number
  default     = 1
}

variable "allocated_storage_gb" {
  description = "Initial storage; it grows by itself up to max_allocated_storage_gb."
  type        = number
  default     = 100
}

variable "max_allocated_storage_gb" {
  description = "Ceiling of storage autoscaling."
  type        = number
  default     = 1000
}

variable "backup_retention_days" {
  description = "Automated backups kept, i.e. how far back point-in-time recovery reaches (1-35)."
  type        = number
  default     = 35
  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be 7 to 35."
  }
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
