import ArgumentParser
import Configuration
import Foundation
import SystemPackage

/// Where `fulfill`'s settings come from, read through swift-configuration: the command's flags first, then the
/// environment, then an optional JSON file (`--config-file`, or `CONFIG_FILE`) whose keys are the settings'
/// names in lower case (`{"stripe_secret_key": "sk_live_...", "port": 8080}`). Secrets are marked secret in
/// every provider, so swift-configuration's own reports never print them.
struct SettingsSource: Sendable {
    /// The settings whose values are secrets (or may hold one, such as a database URL's password).
    static let secrets: Set<String> = [
        "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET", "MERCHANT_WEBHOOK_SECRET", "ORDER_API_KEY", "METRICS_TOKEN",
        "ADMIN_PASSWORD", "ADMIN_TOKEN",
        "DATABASE_URL", "EMAIL_URL",
    ]

    let reader: ConfigReader

    /// `flags` are the command line's values by setting name (`PORT`), as ArgumentParser parsed them.
    init(flags: [String: String], environment: [String: String], configFile: String?) async throws {
        let secretNames = Self.secrets
        var flagValues: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, value) in flags {
            flagValues[AbsoluteConfigKey([name.lowercased()])] = ConfigValue(.string(value), isSecret: secretNames.contains(name))
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flagValues),
            EnvironmentVariablesProvider(
                environmentVariables: environment.filter { !$0.value.isEmpty },
                secretsSpecifier: .dynamic { name, _ in secretNames.contains(name.uppercased()) }),
        ]
        if let configFile {
            do {
                providers.append(
                    try await FileProvider<JSONSnapshot>(
                        filePath: FilePath(configFile),
                        allowMissing: false))
            } catch {
                throw ValidationError("CONFIG_FILE \(configFile): not a readable JSON object of settings (\(error))")
            }
        }
        reader = ConfigReader(providers: providers)
    }

    /// The setting's value, from the first source that has it; `nil` when none does. A config file may give a
    /// number or a Boolean where the environment gives text (`"port": 8080`).
    func string(_ name: String) -> String? {
        let key = ConfigKey([name.lowercased()])
        let secret = Self.secrets.contains(name)
        if let text = reader.string(forKey: key, isSecret: secret) { return text.isEmpty ? nil : text }
        if let number = reader.int(forKey: key, isSecret: secret) { return String(number) }
        if let number = reader.double(forKey: key, isSecret: secret) { return String(number) }
        if let flag = reader.bool(forKey: key, isSecret: secret) { return flag ? "on" : "off" }
        return nil
    }
}
