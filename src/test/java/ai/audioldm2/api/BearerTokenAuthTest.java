package ai.audioldm2.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * With tokens configured, generation, jobs and (by default) the documents and metrics need a bearer token; probes
 * stay open. Without tokens (every other test class) nothing is asked.
 */
@QuarkusTest
@TestProfile(BearerTokenAuthTest.WithTokens.class)
class BearerTokenAuthTest {

    public static class WithTokens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("audioldm2.auth.tokens", "first-secret,second-secret",
                    "quarkus.http.cors.enabled", "true",
                    "quarkus.http.cors.origins", "http://playground.test");
        }
    }

    private static final String BAD_BODY = "{\"prompt\": \"rain\", \"duration\": 99}";

    @Test
    void noTokenIs401WithAChallenge() {
        given().contentType("application/json").body(BAD_BODY).when().post("/predict").then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer"))
                .body("detail", equalTo("authentication required: send Authorization: Bearer <token>"));
        given().when().get("/jobs").then().statusCode(401);
        given().contentType("application/json").body("{}").when().post("/predict/batch").then().statusCode(401);
    }

    @Test
    void aWrongTokenIs401() {
        given().header("Authorization", "Bearer first-secreT").contentType("application/json").body(BAD_BODY)
                .when().post("/predict").then().statusCode(401).body("detail", equalTo("invalid bearer token"));
        given().header("Authorization", "Basic Zmlyc3Qtc2VjcmV0").contentType("application/json").body(BAD_BODY)
                .when().post("/predict").then().statusCode(401);
    }

    @Test
    void eitherTokenGetsThrough() {
        for (String token : new String[] {"first-secret", "second-secret"}) {
            given().header("Authorization", "Bearer " + token).contentType("application/json").body(BAD_BODY)
                    .when().post("/predict").then().statusCode(422);
        }
    }

    @Test
    void probesStayOpenAndDocumentsAreBehindTheToken() {
        given().when().get("/q/health/live").then().statusCode(not(equalTo(401)));
        given().when().get("/health").then().statusCode(not(equalTo(401)));
        given().when().get("/q/openapi").then().statusCode(401);
        given().when().get("/q/metrics").then().statusCode(401);
        given().header("Authorization", "Bearer second-secret").when().get("/q/openapi").then().statusCode(200);
    }

    /** A browser on the configured origin may ask before it sends its token. */
    @Test
    void corsPreflightOfAConfiguredOriginPasses() {
        given().header("Origin", "http://playground.test").header("Access-Control-Request-Method", "POST")
                .when().options("/predict").then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo("http://playground.test"));
        given().header("Origin", "http://elsewhere.test").header("Access-Control-Request-Method", "POST")
                .when().options("/predict").then().statusCode(403);
    }
}
