variable "name" {
  description = "Name prefix of the province's resources."
  type        = string
}

variable "database_host" {
  description = "The PostgreSQL primary's address (database module)."
  type        = string
}

variable "replica_hosts" {
  description = "The streaming replicas' addresses (database module); the first serves the API's oversight reads."
  type        = list(string)
  default     = []
}

variable "broker_endpoint" {
  description = "The RabbitMQ broker's amqps:// endpoint (broker module)."
  type        = string
}

variable "cache_host" {
  description = "Redis's primary endpoint address (cache module)."
  type        = string
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
