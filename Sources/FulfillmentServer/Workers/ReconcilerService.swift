import Foundation
import FulfillmentCore
import Logging
import ServiceLifecycle
import StripeAPI

/// Runs a reconciliation pass shortly after start (an instance that was down is the likeliest to have
/// missed events), then every `interval`. On PostgreSQL only one instance runs a pass at a time: the others
/// find the lease taken and wait for their next turn. Failures are logged and retried at the next turn.
struct ReconcilerService: Service {
    let reconciler: Reconciler
    let interval: Duration
    let firstRunAfter: Duration
    let metrics: ServiceMetrics
    let logger: Logger

    /// This process's name in the lease: host and process id.
    static func holderName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var wait = firstRunAfter
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    return
                }
                wait = interval
                await pass()
            }
        }
    }

    private func pass() async {
        do {
            // Recovered events ring the event worker from the store, as they are stored.
            let summary = try await reconciler.run(onRecovered: { count in metrics.recovered(count) })
            metrics.reconciled(outcome: "finished", at: summary.startedAt)
        } catch let busy as Reconciler.Busy {
            metrics.reconciled(outcome: "skipped", at: nil)
            logger.debug("reconciliation skipped", metadata: ["reason": "\(busy)"])
        } catch is CancellationError {
        } catch {
            metrics.reconciled(outcome: "failed", at: nil)
            logger.error("reconciliation failed; retried at the next interval", metadata: ["error": "\(error)"])
        }
    }
}
