# One province's Runxin: apply this root with a province's terraform.tfvars (see
# terraform.tfvars.example). Every piece is a managed distributed engine: RDS PostgreSQL
# (Multi-AZ primary + streaming replicas + PITR), Amazon MQ RabbitMQ (a three-node cluster with
# quorum queues), ElastiCache Redis (failover), ECS Fargate for the stateless API behind an ALB
# with TLS and for the workers, Secrets Manager and KMS for the secrets.

locals {
  tags = var.tags
  environment = {
    RUNXIN_MODE              = "production"
    RUNXIN_STANDARDS_VERSION = var.standards_version
    RUNXIN_RABBITMQ_QUORUM   = "true"
    RUNXIN_SWEEP_SECONDS     = tostring(var.sweep_seconds)
    RUNXIN_QUEUE_NAMESPACE   = var.queue_namespace
    RUNXIN_PUBLIC_URL        = var.public_url
  }
  secret_arns = module.secrets.secret_arns
  # What the API and the workers read from Secrets Manager (the replica's URL only where there is one).
  app_secrets = merge(
    {
      RUNXIN_DATABASE_URL = local.secret_arns["database-url"]
      RUNXIN_BROKER_URL   = local.secret_arns["broker-url"]
      RUNXIN_REDIS_URL    = local.secret_arns["redis-url"]
    },
    var.replica_count > 0 ? { RUNXIN_DATABASE_REPLICA_URL = local.secret_arns["database-replica-url"] } : {},
  )
  clients = [module.api.security_group_id, module.worker.security_group_id]
}

module "secrets" {
  source          = "../modules/secrets"
  name            = var.name
  database_host   = module.database.primary_address
  replica_hosts   = module.database.replica_addresses
  broker_endpoint = module.broker.endpoint
  cache_host      = module.cache.primary_address
  tags            = local.tags
}

module "network" {
  source      = "../modules/network"
  name        = var.name
  cidr_block  = var.cidr_block
  zones       = var.zones
  kms_key_arn = module.secrets.kms_key_arn
  tags        = local.tags
}

module "database" {
  source                    = "../modules/database"
  name                      = var.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = local.clients
  kms_key_arn               = module.secrets.kms_key_arn
  owner_password            = module.secrets.owner_password
  instance_class            = var.database_instance_class
  replica_instance_class    = var.replica_instance_class
  replica_count             = var.replica_count
  tags                      = local.tags
}

module "broker" {
  source                    = "../modules/broker"
  name                      = var.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = local.clients
  kms_key_arn               = module.secrets.kms_key_arn
  password                  = module.secrets.broker_password
  tags                      = local.tags
}

module "cache" {
  source                    = "../modules/cache"
  name                      = var.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = local.clients
  kms_key_arn               = module.secrets.kms_key_arn
  auth_token                = module.secrets.cache_auth_token
  tags                      = local.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = local.tags
}

resource "aws_cloudwatch_log_group" "tasks" {
  name              = "/runxin/${var.name}/tasks"
  retention_in_days = 365 # at least six months (Cybersecurity Law, art. 21)
  kms_key_id        = module.secrets.kms_key_arn
  tags              = local.tags
}

module "api" {
  source            = "../modules/api"
  name              = var.name
  image             = var.image
  vpc_id            = module.network.vpc_id
  public_subnet_ids = module.network.public_subnet_ids
  app_subnet_ids    = module.network.app_subnet_ids
  allowed_cidrs     = var.allowed_cidrs
  certificate_arn   = var.certificate_arn
  access_log_bucket = module.access_logs.bucket
  cluster_arn       = aws_ecs_cluster.this.arn
  cluster_name      = aws_ecs_cluster.this.name
  log_group_name    = aws_cloudwatch_log_group.tasks.name
  log_group_arn     = aws_cloudwatch_log_group.tasks.arn
  kms_key_arn       = module.secrets.kms_key_arn
  environment       = local.environment
  secrets           = local.app_secrets
  min_tasks         = var.api_min_tasks
  max_tasks         = var.api_max_tasks
  tags              = local.tags
}

module "worker" {
  source                            = "../modules/worker"
  name                              = var.name
  image                             = var.image
  vpc_id                            = module.network.vpc_id
  app_subnet_ids                    = module.network.app_subnet_ids
  cluster_arn                       = aws_ecs_cluster.this.arn
  log_group_name                    = aws_cloudwatch_log_group.tasks.name
  log_group_arn                     = aws_cloudwatch_log_group.tasks.arn
  kms_key_arn                       = module.secrets.kms_key_arn
  environment                       = local.environment
  secrets                           = local.app_secrets
  migration_database_url_secret_arn = local.secret_arns["migration-database-url"]
  tasks                             = var.worker_tasks
  threads                           = var.worker_threads
  tags                              = local.tags
}

module "access_logs" {
  source = "../modules/access-logs"
  name   = var.name
  tags   = local.tags
}
