variable "name" {
  description = "Name of the deployment, prefix of every resource, e.g. runxin-jx (lower case, digits, dashes)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.name))
    error_message = "name must be 3-21 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "AWS region; cn-north-1 (Beijing) or cn-northwest-1 (Ningxia) keep the data in China."
  type        = string
  default     = "cn-north-1"
}

variable "zones" {
  description = "Three availability zones of the region (cn-north-1 has a, b and d)."
  type        = list(string)
  default     = ["cn-north-1a", "cn-north-1b", "cn-north-1d"]
}

variable "image" {
  description = "The runxin image by digest (built from the repository's Dockerfile), e.g. ACCOUNT.dkr.ecr.cn-north-1.amazonaws.com.cn/runxin@sha256:..."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the API's host name."
  type        = string
}

variable "public_url" {
  description = "https://HOST where clients reach the API (RUNXIN_PUBLIC_URL)."
  type        = string
}

variable "allowed_cidrs" {
  description = "Networks that may reach the API (the education private network's egress; 0.0.0.0/0 for the internet)."
  type        = list(string)
}

variable "cidr_block" {
  description = "The VPC's address range."
  type        = string
  default     = "10.40.0.0/16"
}

variable "database_instance_class" {
  description = "The PostgreSQL primary's class (province: db.r6g.xlarge; country: db.r6g.4xlarge)."
  type        = string
  default     = "db.r6g.xlarge"
}

variable "replica_instance_class" {
  description = "The streaming replicas' class."
  type        = string
  default     = "db.r6g.large"
}

variable "replica_count" {
  description = "Streaming read replicas (0 turns replica reads off)."
  type        = number
  default     = 1
}

variable "api_min_tasks" {
  description = "API tasks always running."
  type        = number
  default     = 3
}

variable "api_max_tasks" {
  description = "Ceiling of the API's autoscaling."
  type        = number
  default     = 12
}

variable "worker_tasks" {
  description = "Worker tasks."
  type        = number
  default     = 3
}

variable "worker_threads" {
  description = "Dramatiq threads per worker task."
  type        = number
  default     = 4
}

variable "standards_version" {
  description = "RUNXIN_STANDARDS_VERSION: 2023 or 2023-lenient."
  type        = string
  default     = "2023"
}

variable "sweep_seconds" {
  description = "RUNXIN_SWEEP_SECONDS: how often each worker re-rings what the database says is due."
  type        = number
  default     = 5
}

variable "queue_namespace" {
  description = "RUNXIN_QUEUE_NAMESPACE: prefix of the queue names (change it to move to new queues)."
  type        = string
  default     = "q1"
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
