# The workers: `runxin worker` tasks on ECS Fargate (the chain's jobs and the sweeper; consumers
# of the RabbitMQ quorum queues), and the one-shot migrate task that runs `runxin db upgrade` as
# the tables' owner before a new image is deployed (see the runbook).

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  environment = merge(var.environment, {
    RUNXIN_DATA_DIR       = "/tmp/runxin"
    RUNXIN_WORKER_THREADS = tostring(var.threads)
  })
  log = {
    logDriver = "awslogs"
    options = {
      "awslogs-group"         = var.log_group_name
      "awslogs-region"        = data.aws_region.current.name
      "awslogs-stream-prefix" = "worker"
    }
  }
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-worker-tasks"
  description = "Worker tasks: no inbound; out to the database, broker, cache and the city platform"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "out" {
  security_group_id = aws_security_group.tasks.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 0
  to_port           = 65535
  description       = "Database, broker, cache, and deliveries through NAT"
}

data "aws_iam_policy_document" "tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-worker-execution"
  assume_role_policy = data.aws_iam_policy_document.tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = concat(values(var.secrets), [var.migration_database_url_secret_arn])
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${var.log_group_arn}:*"]
  }
  # Pulling the image from the account's ECR (the token call has no resource to name).
  statement {
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = ["arn:${data.aws_partition.current.partition}:ecr:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:repository/*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "secrets-logs-image"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  volume {
    name = "scratch"
  }
  container_definitions = jsonencode([{
    name                   = "worker"
    image                  = var.image
    essential              = true
    command                = ["runxin", "worker", "--threads", tostring(var.threads)]
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    environment            = [for key in sort(keys(local.environment)) : { name = key, value = local.environment[key] }]
    secrets                = [for key in sort(keys(var.secrets)) : { name = key, valueFrom = var.secrets[key] }]
    mountPoints            = [{ sourceVolume = "scratch", containerPath = "/tmp", readOnly = false }]
    linuxParameters        = { initProcessEnabled = true }
    # SIGTERM: Dramatiq finishes the jobs in hand; anything cut off is re-rung by a sweeper.
    stopTimeout      = 60
    logConfiguration = local.log
  }])
  tags = var.tags
}

resource "aws_ecs_service" "worker" {
  name                               = "${var.name}-worker"
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.worker.arn
  desired_count                      = var.tasks
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 50
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = var.app_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }
  tags = var.tags
}

# `aws ecs run-task --task-definition <migrate>` before each deployment (expand-contract: the
# running image must work with the migrated schema; see the runbook).
resource "aws_ecs_task_definition" "migrate" {
  family                   = "${var.name}-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024
  execution_role_arn       = aws_iam_role.execution.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  volume {
    name = "scratch"
  }
  container_definitions = jsonencode([{
    name                   = "migrate"
    image                  = var.image
    essential              = true
    command                = ["runxin", "db", "upgrade"]
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    environment            = [{ name = "RUNXIN_DATA_DIR", value = "/tmp/runxin" }, { name = "RUNXIN_MODE", value = "production" }]
    secrets                = [{ name = "RUNXIN_DATABASE_URL", valueFrom = var.migration_database_url_secret_arn }]
    mountPoints            = [{ sourceVolume = "scratch", containerPath = "/tmp", readOnly = false }]
    logConfiguration       = merge(local.log, { options = merge(local.log.options, { "awslogs-stream-prefix" = "migrate" }) })
  }])
  tags = var.tags
}
