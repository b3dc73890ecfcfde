terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
  # State holds the generated passwords: keep it in an encrypted, versioned bucket with locking.
  # backend "s3" { bucket = "...", key = "runxin/province.tfstate", region = "cn-north-1", encrypt = true, use_lockfile = true }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { application = "runxin", deployment = var.name }
  }
}
