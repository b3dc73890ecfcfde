# The province's secrets: one customer-managed KMS key (rotated yearly by KMS) that encrypts every
# secret, log group, database, broker, cache and file system of the deployment, the generated
# passwords, and the connection URLs the tasks read from Secrets Manager at start (never in the
# task definition's plain environment). Rotating one: see the runbook ("Rotate keys and secrets").

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_111:A key policy's resource "*" is the key itself; this is AWS's default key policy (account root) plus CloudWatch Logs.
  #checkov:skip=CKV_AWS_109:As above: the account root administers its own key, as in AWS's default key policy.
  #checkov:skip=CKV_AWS_356:As above: in a key policy "*" names only the key the policy is attached to.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "LogsEncrypt"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: secrets, databases, broker, cache, logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

# Passwords: letters and digits only, so they go into URLs without escaping.
resource "random_password" "owner" {
  length  = 40
  special = false
}

resource "random_password" "app" {
  length  = 40
  special = false
}

resource "random_password" "broker" {
  length  = 40
  special = false
}

resource "random_password" "cache" {
  length  = 64
  special = false
}

locals {
  database = "runxin"
  # Keys depend only on how many replicas there are (known at plan time), never on their addresses.
  replica_values = length(var.replica_hosts) == 0 ? {} : {
    "database-replica-url" = "postgresql+asyncpg://runxin_app:${random_password.app.result}@${var.replica_hosts[0]}:5432/${local.database}?ssl=require"
  }
  values = merge(local.replica_values, {
    # The owner of the tables: migrations only (the migrate task).
    "migration-database-url" = "postgresql+asyncpg://runxin_owner:${random_password.owner.result}@${var.database_host}:5432/${local.database}?ssl=require"
    # The application role runxin_app (no BYPASSRLS, owns nothing): the API and the workers.
    "database-url"      = "postgresql+asyncpg://runxin_app:${random_password.app.result}@${var.database_host}:5432/${local.database}?ssl=require"
    "broker-url"        = replace(var.broker_endpoint, "amqps://", "amqps://runxin:${random_password.broker.result}@")
    "redis-url"         = "rediss://:${random_password.cache.result}@${var.cache_host}:6379/0"
    "app-role-password" = random_password.app.result
  })
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Rotation is an operator step (README runbook): a database password changes in PostgreSQL and in the secret together, then the services redeploy; no rotation Lambda is kept.
  for_each                = toset(keys(local.values))
  name                    = "${var.name}/${each.key}"
  description             = "Runxin ${each.key} (${var.name})"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 30
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each      = aws_secretsmanager_secret.this
  secret_id     = each.value.id
  secret_string = local.values[each.key]
}
