import Hummingbird
import Logging

extension StandInAPI {
    /// Every route the stand-in answers. `/token` exists only when configured, like on servers
    /// from mid-2026 on; older servers answer 404 there.
    func makeRouter(logger: Logger) -> Router<StandInContext> {
        let router = Router(context: StandInContext.self)
        router.add(middleware: StandInMiddleware(state: state, logger: logger))

        let api = router.group("api/v1")
        api.post("users/{username}/tokens", use: mint)
        api.get("users/{username}/tokens", use: list)
        api.delete("users/{username}/tokens/{id}", use: delete)
        api.get("user", use: currentUser)
        api.get("version", use: version)
        if options.tokenSelfEndpoints {
            api.get("token", use: selfToken)
            api.delete("token", use: revokeSelfToken)
        }

        router.post("_standin/faults", use: addFault)
        router.delete("_standin/faults", use: clearFaults)
        router.post("_standin/users/{name}", use: setAccountState)
        router.get("_standin/otp-log", use: otpLog)
        return router
    }
}
