import Foundation
import FulfillmentCore
import FulfillmentServer

/// `fulfill serve --print-config`: every setting's effective value, one `NAME=value` line each, defaults
/// included. Secrets print as `<set, redacted>` (or `<not set>`); URLs that may carry a password print with it
/// masked. Nothing secret is ever written.
enum EffectiveConfiguration {
    static func lines(_ configuration: ServiceConfiguration) -> [String] {
        func secret(_ value: String?) -> String { value.map { $0.isEmpty ? "<not set>" : "<set, redacted>" } ?? "<not set>" }
        func duration(_ value: Duration?) -> String { value.map { "\($0.components.seconds)s" } ?? "off" }
        let email: String =
            switch configuration.email {
            case .folder(let path): "folder:\(path)"
            case .smtp(let settings): settings.description
            }
        return [
            "STRIPE_SECRET_KEY=\(secret(configuration.stripeSecretKey))",
            "STRIPE_API_BASE=\(configuration.stripeAPIBase)",
            "STRIPE_WEBHOOK_SECRET=\(configuration.webhookSecrets.isEmpty ? "<not set>" : "<\(configuration.webhookSecrets.count) set, redacted>")",
            "STRIPE_CONNECT_WEBHOOK_SECRET=\(configuration.connectWebhookSecrets.isEmpty ? "<not set>" : "<\(configuration.connectWebhookSecrets.count) set, redacted>")",
            "CONNECTED_ACCOUNTS=\(configuration.connectedAccounts.isEmpty ? "<none>" : configuration.connectedAccounts.joined(separator: ","))",
            "DATABASE_URL=\(configuration.database.redacted)",
            "HOST=\(configuration.host)",
            "PORT=\(configuration.port)",
            "PUBLIC_URL=\(configuration.publicURL)",
            "EMAIL_URL=\(email)",
            "EMAIL_FROM=\(configuration.emailFrom)",
            "CATALOG_PATH=\(configuration.catalogPath ?? "<not set>")",
            "FULFILL_WHEN=\(configuration.sessionFilter)",
            "RECEIPTS=\(configuration.sendsReceipts ? "on" : "off")",
            "DEFAULT_LOCALE=\(configuration.defaultLanguage.rawValue)",
            "MERCHANT_WEBHOOK_URL=\(configuration.merchantWebhook?.url ?? "<not set>")",
            "MERCHANT_WEBHOOK_SECRET=\(secret(configuration.merchantWebhook?.secret))",
            "ORDER_API_KEY=\(secret(configuration.orderAPIKey))",
            "ALLOWED_RETURN_HOSTS=\(configuration.allowedReturnHosts.isEmpty ? "<the PUBLIC_URL's origin>" : configuration.allowedReturnHosts.joined(separator: ","))",
            "TRUSTED_PROXIES=\(configuration.doors.trustedProxies.isEmpty ? "<none>" : configuration.doors.trustedProxies.joined(separator: ","))",
            "ORDER_RATE_LIMIT=\(configuration.doors.ordersPerClientPerMinute),\(configuration.doors.ordersPerMinute)",
            "ORDER_PAYMENT_FLOW=\(configuration.orderPaymentFlow)",
            "ORDER_PAYMENT_WINDOW=\(duration(configuration.orderPaymentWindow))",
            "SUBSCRIPTION_GRACE=\(duration(configuration.subscriptionGrace))",
            "SHUTDOWN_DRAIN=\(configuration.unreadyBeforeStop == .zero ? "off" : duration(configuration.unreadyBeforeStop))",
            "SHUTDOWN_GRACE=\(duration(configuration.shutdownGrace))",
            "METRICS_TOKEN=\(secret(configuration.metricsToken))",
            "ADMIN_PASSWORD=\(secret(configuration.adminPassword))",
            "ADMIN_TOKEN=\(secret(configuration.adminToken))",
            "STRIPE_MAX_RPS=\(configuration.stripeMaxRequestsPerSecond)",
            "WORKER_CONCURRENCY=\(configuration.workerConcurrency)",
            "RECONCILE_INTERVAL=\(duration(configuration.reconcileInterval))",
            "RETENTION=\(duration(configuration.retention))",
        ]
    }
}
