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
  description = "Worker pods (RabbitMQ or Redis consumers of the rollup and delivery queues); each also sweeps."
  type        = number
  default     = 2
}

variable "worker_threads" {
  description = "Dramatiq worker threads per worker pod; jobs share one event loop and database pool per pod."
  type        = number
  default     = 4
}

variable "sweep_seconds" {
  description = "Seconds between sweeps (re-ringing pending rollups and due deliveries from the database)."
  type        = number
  default     = 5
}

variable "queue_namespace" {
  description = "Prefix of the queue names, to keep environments apart on one broker."
  type        = string
  default     = ""
}

variable "standards_version" {
  type    = string
  default = "2023"
}
