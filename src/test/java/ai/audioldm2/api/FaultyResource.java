package ai.audioldm2.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Test-only endpoint with a real fault (a bug, not bad input), to see what a 500 looks like from outside. */
@Path("/test-only/fault")
public class FaultyResource {

    @GET
    public String fail() {
        throw new IllegalStateException("a bug");
    }
}
