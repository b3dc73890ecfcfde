# RabbitMQ: an Amazon MQ cluster of three nodes over three zones. The application declares its
# queues as quorum queues (RUNXIN_RABBITMQ_QUORUM=1, workers/broker.py): each queue is replicated
# by Raft over the three nodes, so a node's loss loses no message and the queue stays available.
# The broker is only the doorbell: the outbox tables hold the truth, the sweepers re-ring.

resource "aws_security_group" "this" {
  name        = "${var.name}-rabbitmq"
  description = "RabbitMQ: AMQPS from the API and worker tasks only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each                     = toset(var.client_security_group_ids)
  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 5671
  to_port                      = 5671
  description                  = "AMQPS from the application tasks"
}

resource "aws_mq_broker" "this" {
  broker_name                = var.name
  engine_type                = "RabbitMQ"
  engine_version             = var.engine_version
  host_instance_type         = var.instance_type
  deployment_mode            = "CLUSTER_MULTI_AZ"
  subnet_ids                 = var.subnet_ids
  security_groups            = [aws_security_group.this.id]
  publicly_accessible        = false
  auto_minor_version_upgrade = true
  apply_immediately          = false

  encryption_options {
    kms_key_id        = var.kms_key_arn
    use_aws_owned_key = false
  }

  logs {
    general = true
  }

  maintenance_window_start_time {
    day_of_week = "SUNDAY"
    time_of_day = "20:00"
    time_zone   = "UTC"
  }

  user {
    username = "runxin"
    password = var.password
  }

  tags = var.tags
}
