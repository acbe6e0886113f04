import Foundation
import Hummingbird

/// `/_standin/...`: the control plane tests and the demo use. Only loopback peers may use it;
/// `StandInMiddleware` refuses everyone else with 403.
/// - `POST /_standin/faults` adds a `FaultRule` (JSON), `DELETE /_standin/faults` clears them;
/// - `POST /_standin/users/{name}` changes an account's `AccountState` (JSON), answering the
///   account's flags;
/// - `GET /_standin/otp-log` lists every one-time code check as `OTPCheck` JSON (steps, no codes).
extension StandInAPI {
    func addFault(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await answer {
            let rule: FaultRule
            do {
                rule = try JSONDecoder().decode(FaultRule.self, from: try await body(of: request))
            } catch {
                let routes = FaultRule.Route.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.unprocessable("a fault rule is JSON with \"route\" one of: \(routes)")
            }
            if let problem = rule.problem { throw APIError.unprocessable(problem) }
            await state.add(rule)
            return JSONResponse.make(status: 201, rule)
        }
    }

    func clearFaults(_ request: Request, _ context: StandInContext) async throws -> Response {
        await state.clearFaults()
        return JSONResponse.empty(status: 204)
    }

    func setAccountState(_ request: Request, _ context: StandInContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        return try await answer {
            let change: AccountState
            do {
                change = try JSONDecoder().decode(AccountState.self, from: try await body(of: request))
            } catch {
                throw APIError.unprocessable(
                    "an account change is JSON with any of \"active\", \"prohibit_login\", \"must_change_password\" (booleans)")
            }
            guard let account = await state.setState(change, ofUserNamed: name) else {
                throw APIError.notFound("user redirect does not exist [name: \(name.lowercased())]")
            }
            return JSONResponse.make(
                status: 200,
                AccountState(
                    active: account.isActive, prohibitLogin: account.prohibitLogin,
                    mustChangePassword: account.mustChangePassword))
        }
    }

    func otpLog(_ request: Request, _ context: StandInContext) async throws -> Response {
        JSONResponse.make(status: 200, await state.otpLog)
    }
}
