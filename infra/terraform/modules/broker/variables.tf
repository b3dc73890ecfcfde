variable "name" {
  description = "Name prefix of the province's resources."
  type        = string
}

variable "vpc_id" {
  description = "The province's VPC (network module)."
  type        = string
}

variable "subnet_ids" {
  description = "The isolated data subnets, one per zone (a cluster needs three zones)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups of the tasks that connect (API, workers)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for the broker's storage (secrets module)."
  type        = string
}

variable "password" {
  description = "Password of the broker user runxin."
  type        = string
  sensitive   = true
}

variable "engine_version" {
  description = "RabbitMQ version (3.13: quorum queues on Amazon MQ; the application needs 3.10 or later)."
  type        = string
  default     = "3.13"
}

variable "instance_type" {
  description = "Node size; the doorbells are small, mq.m5.large carries a country."
  type        = string
  default     = "mq.m5.large"
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
