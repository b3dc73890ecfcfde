"""The embedded default: the chain's worker and sweeper inside the API process.

With RUNXIN_BROKER_URL empty, `runxin serve` and `runxin demo` need no server beyond the database:
the broker is Dramatiq's in-memory one, a Worker consumes it on threads of this process, and the
sweeper re-rings from the database whatever a restart dropped from memory. With a broker URL, the
API process only rings (enqueues); `runxin worker` processes consume.
"""

from __future__ import annotations

from dataclasses import dataclass

from dramatiq.worker import Worker

from runxin.platform import doorbell
from runxin.platform.config import Settings
from runxin.workers.broker import make_broker
from runxin.workers.chain import Chain, Sweeper
from runxin.workers.relay import Relay


@dataclass
class ChainHandle:
    chain: Chain
    worker: Worker | None = None
    sweeper: Sweeper | None = None
    relay: Relay | None = None

    def stop(self) -> None:
        doorbell.uninstall()
        if self.relay is not None:
            self.relay.stop()
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.worker is not None:
            self.worker.stop()
        self.chain.close()
        self.chain.broker.close()


def start_chain(settings: Settings, *, consume: bool) -> ChainHandle:
    """Ring the chain's jobs from this process; with `consume`, also run them here (and sweep)."""
    broker = make_broker(settings.broker_url, quorum=settings.rabbitmq_quorum)
    chain = Chain(settings, broker)
    if not consume:
        # Only ringing (an API process with a broker): publish off the request path.
        relay = Relay()
        relay.start()
        chain.install_doorbells(relay)
        return ChainHandle(chain, relay=relay)
    chain.install_doorbells()
    worker = Worker(broker, worker_threads=settings.worker_threads)
    worker.start()
    sweeper = Sweeper(chain, settings.sweep_seconds)
    sweeper.start()
    return ChainHandle(chain, worker, sweeper)


def start_for_server(settings: Settings) -> ChainHandle:
    """The API process: run the worker in-process on the embedded default, else only ring."""
    return start_chain(settings, consume=not settings.broker_url)
