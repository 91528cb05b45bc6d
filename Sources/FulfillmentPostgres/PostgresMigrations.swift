import Logging
import PostgresNIO

/// The schema, as append-only SQL migrations applied in order, each once, recorded in `schema_migrations`.
/// The tables and columns are the SQLite store's wherever the meaning is the same, with PostgreSQL's types
/// (`timestamptz` for times, `bytea` for raw bodies, `bigint` for amounts and counts) and the same UNIQUE and
/// CHECK invariants, so an operator's query reads the same on both.
enum PostgresMigrations {
    /// The advisory lock held while migrating: instances starting together wait for each other.
    static let lockKey: Int64 = 0x5354_5246_554C_4631  // "STRFULF1"

    static let all: [(name: String, statements: [String])] = [
        (
            "v1: inbox, checkout ledger, stock, outbox, orders, wake-ups",
            [
                """
                CREATE TABLE inbox_events (
                    id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    object_id TEXT,
                    payload BYTEA NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'ignored', 'dead', 'orphaned')),
                    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    received_at TIMESTAMPTZ NOT NULL,
                    next_attempt_at TIMESTAMPTZ NOT NULL,
                    lease_until TIMESTAMPTZ,
                    processed_at TIMESTAMPTZ,
                    last_error TEXT,
                    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
                )
                """,
                "CREATE INDEX inbox_events_due ON inbox_events (next_attempt_at) WHERE status = 'pending'",
                "CREATE INDEX inbox_events_received ON inbox_events (received_at, seq)",
                "CREATE INDEX inbox_events_status ON inbox_events (status, received_at)",
                """
                CREATE TABLE checkouts (
                    session_id TEXT PRIMARY KEY,
                    status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'fulfilled', 'payment_failed', 'expired')),
                    customer_email TEXT,
                    customer_name TEXT,
                    amount_total BIGINT CHECK (amount_total >= 0),
                    currency TEXT,
                    shipping_json TEXT,
                    created_at TIMESTAMPTZ NOT NULL,
                    updated_at TIMESTAMPTZ NOT NULL,
                    fulfilled_at TIMESTAMPTZ,
                    CHECK ((status = 'fulfilled') = (fulfilled_at IS NOT NULL))
                )
                """,
                """
                CREATE TABLE checkout_lines (
                    session_id TEXT NOT NULL REFERENCES checkouts (session_id),
                    line_item_id TEXT NOT NULL,
                    position BIGINT NOT NULL,
                    description TEXT NOT NULL,
                    quantity BIGINT NOT NULL CHECK (quantity > 0),
                    amount_total BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    product_id TEXT,
                    action TEXT NOT NULL CHECK (action IN ('digital', 'physical', 'stock', 'none')),
                    sku TEXT,
                    outcome TEXT NOT NULL CHECK (outcome IN ('access_granted', 'shipped', 'stock_taken', 'recorded')),
                    access_token TEXT UNIQUE,
                    access_url TEXT,
                    shipment_id TEXT UNIQUE,
                    served_quantity BIGINT NOT NULL CHECK (served_quantity >= 0),
                    backordered_quantity BIGINT NOT NULL CHECK (backordered_quantity >= 0),
                    performed_at TIMESTAMPTZ NOT NULL,
                    PRIMARY KEY (session_id, line_item_id)
                )
                """,
                """
                CREATE TABLE payments (
                    session_id TEXT PRIMARY KEY REFERENCES checkouts (session_id),
                    payment_intent TEXT,
                    amount_total BIGINT,
                    currency TEXT,
                    session_json BYTEA NOT NULL,
                    recorded_at TIMESTAMPTZ NOT NULL
                )
                """,
                """
                CREATE TABLE stock (
                    sku TEXT PRIMARY KEY,
                    quantity BIGINT NOT NULL CHECK (quantity >= 0)
                )
                """,
                """
                CREATE TABLE outbox (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    dedupe_key TEXT NOT NULL UNIQUE,
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    created_at TIMESTAMPTZ NOT NULL,
                    next_attempt_at TIMESTAMPTZ NOT NULL,
                    lease_until TIMESTAMPTZ,
                    sent_at TIMESTAMPTZ,
                    last_error TEXT
                )
                """,
                "CREATE INDEX outbox_unsent ON outbox (next_attempt_at) WHERE sent_at IS NULL",
                """
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY,
                    version BIGINT NOT NULL CHECK (version > 0),
                    status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'charge_pending', 'paid', 'canceled')),
                    amount BIGINT NOT NULL CHECK (amount > 0),
                    currency TEXT NOT NULL,
                    customer_email TEXT NOT NULL,
                    customer_name TEXT,
                    items_json TEXT NOT NULL,
                    payment_method TEXT NOT NULL,
                    usage TEXT NOT NULL CHECK (usage IN ('single_use', 'reusable')),
                    source_id TEXT NOT NULL UNIQUE,
                    source_status TEXT NOT NULL,
                    redirect_url TEXT,
                    customer_id TEXT,
                    charge_id TEXT UNIQUE,
                    charge_status TEXT,
                    failure_reason TEXT,
                    retry_url TEXT NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL,
                    updated_at TIMESTAMPTZ NOT NULL,
                    paid_at TIMESTAMPTZ,
                    canceled_at TIMESTAMPTZ,
                    source_checked_at TIMESTAMPTZ,
                    CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
                    CHECK (status <> 'paid' OR charge_id IS NOT NULL),
                    CHECK (status <> 'charge_pending' OR charge_id IS NOT NULL)
                )
                """,
                """
                CREATE TABLE order_anomalies (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    order_id TEXT NOT NULL REFERENCES orders (id),
                    detail TEXT NOT NULL,
                    recorded_at TIMESTAMPTZ NOT NULL,
                    UNIQUE (order_id, detail)
                )
                """,
                // Wake-ups: any statement that adds events or emails tells every listening instance, on commit.
                """
                CREATE FUNCTION fulfillment_notify() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('\(PostgresFulfillmentStore.notificationChannel)', TG_ARGV[0]);
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER inbox_events_added AFTER INSERT ON inbox_events
                FOR EACH STATEMENT EXECUTE FUNCTION fulfillment_notify('events')
                """,
                """
                CREATE TRIGGER outbox_added AFTER INSERT ON outbox
                FOR EACH STATEMENT EXECUTE FUNCTION fulfillment_notify('outbox')
                """,
            ]
        ),
        (
            "v2: recovered events, the reconciler's watermark and lease",
            [
                """
                ALTER TABLE inbox_events ADD COLUMN origin TEXT NOT NULL DEFAULT 'webhook'
                    CHECK (origin IN ('webhook', 'reconciler'))
                """,
                "CREATE INDEX inbox_events_handled ON inbox_events (processed_at) WHERE status IN ('processed', 'ignored')",
                """
                CREATE TABLE reconciler_state (
                    id BIGINT PRIMARY KEY CHECK (id = 1),
                    watermark TIMESTAMPTZ,
                    lease_holder TEXT,
                    lease_until TIMESTAMPTZ,
                    last_started_at TIMESTAMPTZ,
                    last_finished_at TIMESTAMPTZ,
                    last_summary TEXT
                )
                """,
                "INSERT INTO reconciler_state (id) VALUES (1)",
            ]
        ),
        (
            "v3: dispatches (merchant notifications, action effects)",
            [
                """
                CREATE TABLE dispatches (
                    id TEXT PRIMARY KEY,
                    channel TEXT NOT NULL,
                    type TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    payload BYTEA NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    created_at TIMESTAMPTZ NOT NULL,
                    next_attempt_at TIMESTAMPTZ NOT NULL,
                    lease_until TIMESTAMPTZ,
                    delivered_at TIMESTAMPTZ,
                    last_error TEXT,
                    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
                )
                """,
                "CREATE INDEX dispatches_due ON dispatches (status, next_attempt_at)",
                "CREATE INDEX dispatches_subject ON dispatches (subject_id)",
                """
                CREATE TRIGGER dispatches_added AFTER INSERT ON dispatches
                FOR EACH STATEMENT EXECUTE FUNCTION fulfillment_notify('outbox')
                """,
            ]
        ),
        (
            "v4: after the payment (refunds, disputes)",
            [
                """
                CREATE TABLE after_payments (
                    subject_id TEXT PRIMARY KEY,
                    charge_id TEXT NOT NULL,
                    charge_amount BIGINT NOT NULL CHECK (charge_amount >= 0),
                    refunded_amount BIGINT NOT NULL CHECK (refunded_amount >= 0 AND refunded_amount <= charge_amount),
                    dispute TEXT NOT NULL CHECK (dispute IN ('none', 'open', 'won', 'lost')),
                    stock_returned BOOLEAN NOT NULL,
                    updated_at TIMESTAMPTZ NOT NULL
                )
                """,
                "CREATE INDEX payments_intent ON payments (payment_intent)",
            ]
        ),
        (
            "v5: action names and outcomes as data (registered actions)",
            [
                "ALTER TABLE checkout_lines DROP CONSTRAINT checkout_lines_action_check",
                "ALTER TABLE checkout_lines DROP CONSTRAINT checkout_lines_outcome_check",
                "ALTER TABLE checkout_lines ADD CONSTRAINT checkout_lines_action_named CHECK (length(action) BETWEEN 1 AND 64)",
                "ALTER TABLE checkout_lines ADD CONSTRAINT checkout_lines_outcome_named CHECK (length(outcome) BETWEEN 1 AND 32)",
            ]
        ),
        (
            "v6: the customer's language on sessions and orders",
            [
                "ALTER TABLE checkouts ADD COLUMN language TEXT CHECK (language IN ('en', 'es'))",
                "ALTER TABLE orders ADD COLUMN language TEXT CHECK (language IN ('en', 'es'))",
            ]
        ),
        (
            "v7: the operators' audit log",
            [
                """
                CREATE TABLE operator_actions (
                    id BIGSERIAL PRIMARY KEY,
                    at TIMESTAMPTZ NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL
                )
                """,
                "CREATE INDEX inbox_events_object ON inbox_events (object_id)",
            ]
        ),
        (
            "v8: console sessions shared by every instance; buyers' claims on purchase details",
            [
                """
                CREATE TABLE console_sessions (
                    id_hash TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
                    csrf TEXT NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL,
                    expires_at TIMESTAMPTZ NOT NULL CHECK (expires_at > created_at)
                )
                """,
                "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
                """
                CREATE TABLE buyer_claims (
                    subject_id TEXT PRIMARY KEY,
                    claimed_at TIMESTAMPTZ NOT NULL
                )
                """,
            ]
        ),
        (
            // The ledger held orders beside Checkout Sessions under checkout names: renamed in place (no copy,
            // constraints kept), each row given its kind (an order's id is in `orders`), and each kind held to
            // its statuses.
            "v9: one ledger of purchases (purchases, purchase_lines, purchase_payments), each with its kind",
            [
                "ALTER TABLE checkouts RENAME TO purchases",
                "ALTER TABLE purchases RENAME COLUMN session_id TO subject_id",
                "ALTER TABLE purchases RENAME CONSTRAINT checkouts_pkey TO purchases_pkey",
                "ALTER TABLE purchases ADD COLUMN kind TEXT",
                """
                UPDATE purchases SET kind = CASE WHEN subject_id IN (SELECT id FROM orders) THEN 'order' ELSE 'checkout_session' END
                """,
                "ALTER TABLE purchases ALTER COLUMN kind SET NOT NULL",
                """
                ALTER TABLE purchases ADD CONSTRAINT purchases_status_of_kind CHECK (
                    (kind = 'checkout_session' AND status IN ('awaiting_payment', 'fulfilled', 'payment_failed', 'expired'))
                    OR (kind = 'order' AND status = 'fulfilled'))
                """,
                "ALTER TABLE checkout_lines RENAME TO purchase_lines",
                "ALTER TABLE purchase_lines RENAME COLUMN session_id TO subject_id",
                "ALTER TABLE purchase_lines RENAME CONSTRAINT checkout_lines_pkey TO purchase_lines_pkey",
                "ALTER TABLE payments RENAME TO purchase_payments",
                "ALTER TABLE purchase_payments RENAME COLUMN session_id TO subject_id",
                "ALTER TABLE purchase_payments RENAME COLUMN session_json TO object_json",
                "ALTER TABLE purchase_payments RENAME CONSTRAINT payments_pkey TO purchase_payments_pkey",
                "ALTER INDEX payments_intent RENAME TO purchase_payments_intent",
            ]
        ),
        (
            "v10: emails end dead after their retry window, as dispatches do",
            [
                "ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead'))",
                "UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL",
                "ALTER TABLE outbox ADD CONSTRAINT outbox_sent_status CHECK ((status = 'sent') = (sent_at IS NOT NULL))",
                "DROP INDEX outbox_unsent",
                "CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending'",
            ]
        ),
        (
            "v11: orders paid through a PaymentIntent beside those paid through a source",
            [
                "ALTER TABLE orders ADD COLUMN payment_flow TEXT NOT NULL DEFAULT 'sources'",
                "ALTER TABLE orders ALTER COLUMN source_id DROP NOT NULL",
                "ALTER TABLE orders ALTER COLUMN source_status DROP NOT NULL",
                "ALTER TABLE orders ADD COLUMN payment_intent_id TEXT UNIQUE",
                "ALTER TABLE orders ADD COLUMN payment_intent_status TEXT",
                "ALTER TABLE orders ADD COLUMN failed_attempt TEXT",
                "ALTER TABLE orders ADD CONSTRAINT orders_one_payment CHECK ((source_id IS NULL) <> (payment_intent_id IS NULL))",
                "ALTER TABLE orders ADD CONSTRAINT orders_source_status CHECK ((source_id IS NULL) = (source_status IS NULL))",
                "CREATE INDEX orders_awaiting_payment ON orders (payment_flow, created_at) WHERE status = 'awaiting_payment'",
            ]
        ),
        (
            "v12: the connected account (Connect) a purchase or an order was paid on",
            [
                "ALTER TABLE purchases ADD COLUMN account TEXT",
                "ALTER TABLE orders ADD COLUMN account TEXT",
                "CREATE INDEX purchases_account ON purchases (account) WHERE account IS NOT NULL",
                "CREATE INDEX orders_account ON orders (account) WHERE account IS NOT NULL",
            ]
        ),
        (
            "v13: subscriptions, each entitlement kept over time, and their purchases in the ledger",
            [
                // A subscription's grant is a purchase of the kind `subscription`, fulfilled once when first paid.
                "ALTER TABLE purchases DROP CONSTRAINT purchases_status_of_kind",
                """
                ALTER TABLE purchases ADD CONSTRAINT purchases_status_of_kind CHECK (
                    (kind = 'checkout_session' AND status IN ('awaiting_payment', 'fulfilled', 'payment_failed', 'expired'))
                    OR (kind IN ('order', 'subscription') AND status = 'fulfilled'))
                """,
                """
                CREATE TABLE subscriptions (
                    subscription_id TEXT PRIMARY KEY,
                    account TEXT,
                    customer_id TEXT NOT NULL,
                    customer_email TEXT,
                    customer_name TEXT,
                    language TEXT CHECK (language IN ('en', 'es')),
                    access TEXT NOT NULL CHECK (access IN ('active', 'past_due', 'suspended', 'ended')),
                    valid_until TIMESTAMPTZ NOT NULL,
                    past_due_since TIMESTAMPTZ,
                    cancel_at_period_end BOOLEAN NOT NULL,
                    price_ids JSONB NOT NULL,
                    settled_invoices JSONB NOT NULL,
                    noticed_failures JSONB NOT NULL,
                    version INTEGER NOT NULL CHECK (version >= 1),
                    created_at TIMESTAMPTZ NOT NULL,
                    updated_at TIMESTAMPTZ NOT NULL,
                    CHECK (access <> 'past_due' OR past_due_since IS NOT NULL)
                )
                """,
                "CREATE INDEX subscriptions_past_due ON subscriptions (past_due_since) WHERE access = 'past_due'",
            ]
        ),
        (
            "v14: the trace each queued event, email and dispatch continues (W3C traceparent)",
            [
                "ALTER TABLE inbox_events ADD COLUMN trace_parent TEXT",
                "ALTER TABLE outbox ADD COLUMN trace_parent TEXT",
                "ALTER TABLE dispatches ADD COLUMN trace_parent TEXT",
            ]
        ),
    ]

    /// Applies the migrations not yet applied, under the advisory lock, each in a transaction of its own.
    /// Returns the names it applied.
    @discardableResult
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                let applied = try await apply(on: connection, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
        }
    }

    private static func apply(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            logger: logger)
        var done: Set<String> = []
        for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
            done.insert(name)
        }
        var applied: [String] = []
        for migration in all where !done.contains(migration.name) {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
            }
            logger.info("PostgreSQL migration applied", metadata: ["migration": "\(migration.name)"])
            applied.append(migration.name)
        }
        return applied
    }
}
