# Runxin on Kubernetes: the API, the workers, and a migration job that runs before both.
# PostgreSQL and the broker are managed services passed in by URL.

terraform {
  required_version = ">= 1.5"
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.30"
    }
  }
}

resource "kubernetes_namespace_v1" "runxin" {
  metadata {
    name = var.namespace
  }
}

resource "kubernetes_secret_v1" "runxin" {
  metadata {
    name      = "runxin"
    namespace = kubernetes_namespace_v1.runxin.metadata[0].name
  }
  data = {
    RUNXIN_DATABASE_URL   = var.database_url
    RUNXIN_MIGRATION_URL  = var.migration_database_url
    RUNXIN_BROKER_URL     = var.broker_url
  }
}

locals {
  common_env = {
    RUNXIN_MODE              = "production"
    RUNXIN_DATA_DIR          = "/var/lib/runxin"
    RUNXIN_STANDARDS_VERSION = var.standards_version
    # The reporting chain: how often each worker's sweeper re-rings what the database says is due,
    # and the queue prefix (set it per environment when several share one broker).
    RUNXIN_SWEEP_SECONDS     = tostring(var.sweep_seconds)
    RUNXIN_QUEUE_NAMESPACE   = var.queue_namespace
  }
}

resource "kubernetes_job_v1" "migrate" {
  metadata {
    name      = "runxin-migrate"
    namespace = kubernetes_namespace_v1.runxin.metadata[0].name
  }
  spec {
    backoff_limit = 2
    template {
      metadata {}
      spec {
        restart_policy = "Never"
        container {
          name    = "migrate"
          image   = var.image
          command = ["sh", "-c", "runxin db upgrade --database-url \"$RUNXIN_MIGRATION_URL\""]
          env_from {
            secret_ref {
              name = kubernetes_secret_v1.runxin.metadata[0].name
            }
          }
        }
      }
    }
  }
  wait_for_completion = true
}

resource "kubernetes_deployment_v1" "api" {
  depends_on = [kubernetes_job_v1.migrate]
  metadata {
    name      = "runxin-api"
    namespace = kubernetes_namespace_v1.runxin.metadata[0].name
  }
  spec {
    replicas = var.api_replicas
    selector {
      match_labels = { app = "runxin-api" }
    }
    template {
      metadata {
        labels = { app = "runxin-api" }
      }
      spec {
        container {
          name    = "api"
          image   = var.image
          command = ["runxin", "serve", "--host", "0.0.0.0", "--port", "8000"]
          port {
            container_port = 8000
          }
          dynamic "env" {
            for_each = local.common_env
            content {
              name  = env.key
              value = env.value
            }
          }
          env_from {
            secret_ref {
              name = kubernetes_secret_v1.runxin.metadata[0].name
            }
          }
          readiness_probe {
            http_get {
              path = "/healthz"
              port = 8000
            }
          }
          resources {
            requests = { cpu = "1", memory = "512Mi" }
            limits   = { memory = "1Gi" }
          }
        }
      }
    }
  }
}

resource "kubernetes_deployment_v1" "worker" {
  depends_on = [kubernetes_job_v1.migrate]
  metadata {
    name      = "runxin-worker"
    namespace = kubernetes_namespace_v1.runxin.metadata[0].name
  }
  spec {
    replicas = var.worker_replicas
    selector {
      match_labels = { app = "runxin-worker" }
    }
    template {
      metadata {
        labels = { app = "runxin-worker" }
      }
      spec {
        container {
          name    = "worker"
          image   = var.image
          command = ["runxin", "worker", "--threads", tostring(var.worker_threads)]
          dynamic "env" {
            for_each = local.common_env
            content {
              name  = env.key
              value = env.value
            }
          }
          env_from {
            secret_ref {
              name = kubernetes_secret_v1.runxin.metadata[0].name
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "api" {
  metadata {
    name      = "runxin-api"
    namespace = kubernetes_namespace_v1.runxin.metadata[0].name
  }
  spec {
    selector = { app = "runxin-api" }
    port {
      port        = 80
      target_port = 8000
    }
  }
}
