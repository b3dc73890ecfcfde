variable "name" {
  description = "Name prefix of the province's resources, e.g. runxin-jx."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's address range; /16 leaves room for the three tiers in every zone."
  type        = string
  default     = "10.40.0.0/16"
}

variable "zones" {
  description = "Availability zones, by name (three: a zone can be lost and RabbitMQ's quorum queues keep a majority)."
  type        = list(string)
  validation {
    condition     = length(var.zones) == 3
    error_message = "zones must name three availability zones: the RabbitMQ cluster and the quorum queues need three."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow logs (the secrets module's key)."
  type        = string
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
