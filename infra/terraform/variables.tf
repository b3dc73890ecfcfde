variable "namespace" {
  description = "Kubernetes namespace for one Runxin deployment (one deployment serves a whole tenant tree)."
  type        = string
  default     = "runxin"
}

variable "image" {
  description = "Container image with the runxin package installed (entrypoint: runxin)."
  type        = string
}

variable "database_url" {
  description = "postgresql+asyncpg://USER:PASSWORD@HOST:5432/DB for the application role."
  type        = string
  sensitive   = true
}

variable "migration_database_url" {
  description = "Database URL of the migration role (owns the tables); used only by the migrate job."
  type        = string
  sensitive   = true
}

variable "broker_url" {
  description = "amqp://USER:PASSWORD@HOST:5672/ (RabbitMQ, publisher confirms) or redis://HOST:6379/0."
  type        = string
  sensitive   = true
}

variable "api_replicas" {
  description = "API pods; each runs one server process per core requested."
  type        = number
  default     = 2
}

variable "worker_replicas" {
  type    = number
  default = 1
}

variable "standards_version" {
  type    = string
  default = "2023"
}
