import FulfillmentServer
import Testing

@Suite("DATABASE_URL parsing")
struct DatabaseURLTests {
    @Test func sqlitePathsAndTheSynchronousOption() throws {
        #expect(try ServiceConfiguration.Database(url: "sqlite:data/f.sqlite") == .sqlite(path: "data/f.sqlite"))
        #expect(try ServiceConfiguration.Database(url: "sqlite:///tmp/f.sqlite") == .sqlite(path: "/tmp/f.sqlite"))
        #expect(
            try ServiceConfiguration.Database(url: "sqlite:f.sqlite?synchronous=normal")
                == .sqlite(path: "f.sqlite", synchronousNormal: true))
        #expect(try ServiceConfiguration.Database(url: "sqlite:f.sqlite?synchronous=full") == .sqlite(path: "f.sqlite"))
        #expect(try ServiceConfiguration.Database(url: "memory:") == .memory)
    }

    @Test func postgresURLsNameTheSharedDatabaseAndNeverShowThePassword() throws {
        let url = "postgres://shop:secret@db.example:5433/orders?sslmode=require"
        let database = try ServiceConfiguration.Database(url: url)
        #expect(database == .postgres(url: url))
        #expect(database.redacted == "postgres://shop:***@db.example:5433/orders?sslmode=require")
        #expect(try ServiceConfiguration.Database(url: "postgresql://shop@db.example/orders") == .postgres(url: "postgresql://shop@db.example/orders"))
    }

    @Test func refusesWhatItCannotServe() {
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "sqlite:") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "sqlite:f.sqlite?journal=off") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "postgres://localhost/db") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "postgres://shop@localhost/db?sslmode=maybe") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "mysql://x") }
    }
}

@Suite("Durations, rates and their defaults")
struct SettingsTests {
    @Test func switchesAreOnOrOffAndABadValueNamesTheSetting() throws {
        for on in ["on", "ON", " true", "yes", "1"] { #expect(try SwitchSetting.parse(on, setting: "RECEIPTS")) }
        for off in ["off", "False", "no", "0"] { #expect(try !SwitchSetting.parse(off, setting: "RECEIPTS")) }
        #expect {
            try SwitchSetting.parse("sometimes", setting: "RECEIPTS")
        } throws: { String(describing: $0).contains("RECEIPTS must be on or off") }
    }

    @Test func durationsTakeAUnitAndOffWhereAllowed() throws {
        #expect(try DurationSetting.parse("90s", setting: "X") == .seconds(90))
        #expect(try DurationSetting.parse("10m", setting: "X") == .seconds(600))
        #expect(try DurationSetting.parse("12h", setting: "X") == .seconds(12 * 3600))
        #expect(try DurationSetting.parse("30d", setting: "X") == .seconds(30 * 86400))
        #expect(try DurationSetting.parse("1.5", setting: "X") == .milliseconds(1500), "a bare number is seconds")
        #expect(try DurationSetting.parse("off", setting: "X", allowsOff: true) == nil)
        #expect(try DurationSetting.parse("0", setting: "X", allowsOff: true) == nil)
        #expect {
            try DurationSetting.parse("off", setting: "RETENTION")
        } throws: { String(describing: $0).contains("RETENTION") }
        for bad in ["", "-5m", "ten minutes", "5w", "nan"] {
            #expect(throws: (any Error).self) { try DurationSetting.parse(bad, setting: "RECONCILE_INTERVAL", allowsOff: true) }
        }
    }

    @Test func theRateLimitAndTheWorkerFollowTheKeysMode() {
        let test = ServiceConfiguration(stripeSecretKey: "sk_test_x", webhookSecrets: ["whsec_x"])
        #expect(test.stripeMaxRequestsPerSecond == 20 && test.workerConcurrency == 8)
        let live = ServiceConfiguration(stripeSecretKey: "sk_live_x", webhookSecrets: ["whsec_x"])
        #expect(live.stripeMaxRequestsPerSecond == 80 && live.workerConcurrency == 32)
        let restricted = ServiceConfiguration(stripeSecretKey: "rk_live_x", webhookSecrets: ["whsec_x"], stripeMaxRequestsPerSecond: 100)
        #expect(restricted.stripeMaxRequestsPerSecond == 100 && restricted.workerConcurrency == 40)
        let pinned = ServiceConfiguration(stripeSecretKey: "sk_live_x", webhookSecrets: ["whsec_x"], workerConcurrency: 5)
        #expect(pinned.workerConcurrency == 5)
        #expect(live.reconcileInterval == .seconds(600) && live.retention == .seconds(30 * 86400))
    }
}

@Suite("MERCHANT_WEBHOOK_URL and MERCHANT_WEBHOOK_SECRET")
struct MerchantWebhookSettingTests {
    @Test func takesAnHTTPURLWithASecret() throws {
        let setting = try MerchantWebhookSetting(url: "https://shop.example/hooks/fulfillment", secret: "whsec_0123456789abcdef")
        #expect(setting.url == "https://shop.example/hooks/fulfillment")
    }

    @Test func refusesAURLWithoutASecretAndWhatIsNotHTTP() {
        #expect(throws: (any Error).self) { try MerchantWebhookSetting(url: "https://shop.example/hook", secret: nil) }
        #expect(throws: (any Error).self) { try MerchantWebhookSetting(url: "https://shop.example/hook", secret: "short") }
        #expect(throws: (any Error).self) { try MerchantWebhookSetting(url: "ftp://shop.example/hook", secret: "whsec_0123456789abcdef") }
        #expect(throws: (any Error).self) { try MerchantWebhookSetting(url: "https:///nohost", secret: "whsec_0123456789abcdef") }
        do {
            _ = try MerchantWebhookSetting(url: "https://shop.example/hook", secret: nil)
        } catch {
            #expect("\(error)".contains("MERCHANT_WEBHOOK_SECRET"), "the error names the setting")
        }
    }
}
