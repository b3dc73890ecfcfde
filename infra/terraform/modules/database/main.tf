# PostgreSQL: an RDS primary (Multi-AZ: a synchronous standby in another zone takes over on the
# loss of a node or a zone), streaming read replicas for the oversight reads (real PostgreSQL
# streaming replication, so pg_last_wal_replay_lsn() is there for read-your-writes), automated
# backups with point-in-time recovery for 35 days, and AWS Backup with continuous backup on top.

data "aws_partition" "current" {}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "this" {
  name        = "${var.name}-postgres"
  description = "PostgreSQL: only the API and worker tasks"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each                     = toset(var.client_security_group_ids)
  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "PostgreSQL from the application tasks"
}

resource "aws_db_parameter_group" "this" {
  name   = var.name
  family = "postgres${split(".", var.engine_version)[0]}"
  # TLS only; statements over a second are logged (names and timings: no parameters).
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
  parameter {
    name  = "log_statement"
    value = "ddl"
  }
  # On a replica, a long oversight read is not cancelled by replayed vacuum: the primary keeps the
  # rows the replica still reads, and replay waits at most 30 s for a conflicting read.
  parameter {
    name  = "hot_standby_feedback"
    value = "1"
  }
  parameter {
    name  = "max_standby_streaming_delay"
    value = "30000"
  }
  tags = var.tags
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "primary" {
  identifier                            = "${var.name}-primary"
  engine                                = "postgres"
  engine_version                        = var.engine_version
  instance_class                        = var.instance_class
  allocated_storage                     = var.allocated_storage_gb
  max_allocated_storage                 = var.max_allocated_storage_gb
  storage_type                          = "gp3"
  storage_encrypted                     = true
  kms_key_id                            = var.kms_key_arn
  db_name                               = "runxin"
  username                              = "runxin_owner"
  password                              = var.owner_password
  multi_az                              = true
  db_subnet_group_name                  = aws_db_subnet_group.this.name
  vpc_security_group_ids                = [aws_security_group.this.id]
  parameter_group_name                  = aws_db_parameter_group.this.name
  publicly_accessible                   = false
  iam_database_authentication_enabled   = true
  backup_retention_period               = var.backup_retention_days
  backup_window                         = "18:00-19:00" # 02:00-03:00 China Standard Time
  maintenance_window                    = "sun:19:30-sun:20:30"
  copy_tags_to_snapshot                 = true
  deletion_protection                   = true
  skip_final_snapshot                   = false
  final_snapshot_identifier             = "${var.name}-final"
  auto_minor_version_upgrade            = true
  apply_immediately                     = false
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 30
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]
  tags                                  = var.tags
}

# Streaming replicas of the primary (RDS runs PostgreSQL's own physical replication).
resource "aws_db_instance" "replica" {
  #checkov:skip=CKV_AWS_157:A replica serves only oversight reads; when it is lost the API reads from the Multi-AZ primary (platform/db/replica.py) until RDS replaces it.
  count                                 = var.replica_count
  identifier                            = "${var.name}-replica-${count.index + 1}"
  replicate_source_db                   = aws_db_instance.primary.identifier
  instance_class                        = var.replica_instance_class
  storage_encrypted                     = true
  kms_key_id                            = var.kms_key_arn
  vpc_security_group_ids                = [aws_security_group.this.id]
  parameter_group_name                  = aws_db_parameter_group.this.name
  publicly_accessible                   = false
  iam_database_authentication_enabled   = true
  multi_az                              = false
  copy_tags_to_snapshot                 = true
  deletion_protection                   = true
  skip_final_snapshot                   = true # a replica has no data of its own to keep
  auto_minor_version_upgrade            = true
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 30
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]
  tags                                  = var.tags
}

# AWS Backup: continuous backup (point-in-time restore for 35 days) and daily snapshots kept a
# year, in a vault of its own, encrypted with the deployment's key.
resource "aws_backup_vault" "this" {
  name        = var.name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

resource "aws_backup_plan" "this" {
  name = var.name
  rule {
    rule_name                = "continuous"
    target_vault_name        = aws_backup_vault.this.name
    schedule                 = "cron(0 19 * * ? *)"
    enable_continuous_backup = true
    lifecycle {
      delete_after = 35
    }
  }
  rule {
    rule_name         = "daily-kept-a-year"
    target_vault_name = aws_backup_vault.this.name
    schedule          = "cron(30 19 * * ? *)"
    lifecycle {
      delete_after = 365
    }
  }
  tags = var.tags
}

data "aws_iam_policy_document" "backup_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name               = "${var.name}-backup"
  assume_role_policy = data.aws_iam_policy_document.backup_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "backup" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
}

resource "aws_backup_selection" "this" {
  name         = var.name
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [aws_db_instance.primary.arn]
}
