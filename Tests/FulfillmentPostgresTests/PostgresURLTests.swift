import FulfillmentPostgres
import PostgresNIO
import Testing

/// `DATABASE_URL` for PostgreSQL: the forms it takes and what it refuses, with the reason.
@Suite struct PostgresURLTests {
    @Test func readsUserPasswordHostPortAndDatabase() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://shop:s%40cret@db.internal:6543/orders?sslmode=disable")
        #expect(configuration.client.username == "shop")
        #expect(configuration.client.password == "s@cret", "percent-decoded")
        #expect(configuration.client.host == "db.internal" && configuration.client.port == 6543)
        #expect(configuration.client.database == "orders")
        #expect(!configuration.redactedURL.contains("cret"), "the password never shows")
        #expect(configuration.redactedURL.contains("***@db.internal:6543/orders"))
    }

    @Test func acceptsPostgresqlSchemeDefaultPortAndPoolSize() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgresql://shop@localhost/orders?max_connections=8")
        #expect(configuration.client.port == 5432 && configuration.client.password == nil)
        #expect(configuration.client.options.maximumConnections == 8)
    }

    @Test(arguments: ["disable", "prefer", "require", "verify-ca", "verify-full"])
    func acceptsLibpqSSLModes(mode: String) throws {
        _ = try PostgresStoreConfiguration(url: "postgres://shop@localhost/orders?sslmode=\(mode)")
    }

    @Test(arguments: [
        ("postgres://localhost/orders", "user"),
        ("postgres://shop@localhost/", "database name"),
        ("postgres://shop@/orders", "postgres://USER"),
        ("mysql://shop@localhost/orders", "postgres://USER"),
        ("postgres://shop@localhost/orders?sslmode=always", "sslmode must be"),
        ("postgres://shop@localhost/orders?pool=3", "unknown option pool"),
        ("postgres://shop@localhost/orders?max_connections=1", "max_connections"),
    ])
    func refusesWhatItCannotUseAndSaysWhy(url: String, reason: String) {
        #expect {
            _ = try PostgresStoreConfiguration(url: url)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }
}
