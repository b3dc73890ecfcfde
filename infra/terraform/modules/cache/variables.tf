variable "name" {
  description = "Name prefix of the province's resources."
  type        = string
}

variable "vpc_id" {
  description = "The province's VPC (network module)."
  type        = string
}

variable "subnet_ids" {
  description = "The isolated data subnets (network module)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups of the tasks that connect (API, workers)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for the data at rest (secrets module)."
  type        = string
}

variable "auth_token" {
  description = "Redis AUTH token."
  type        = string
  sensitive   = true
}

variable "engine_version" {
  description = "Redis version."
  type        = string
  default     = "7.1"
}

variable "node_type" {
  description = "Node size; the marks are a few bytes per recent writer."
  type        = string
  default     = "cache.t4g.small"
}

variable "nodes" {
  description = "Nodes in the group (a primary and its replicas in other zones)."
  type        = number
  default     = 2
  validation {
    condition     = var.nodes >= 2
    error_message = "nodes must be at least 2: automatic failover needs a replica."
  }
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
