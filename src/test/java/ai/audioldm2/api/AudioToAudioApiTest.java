package ai.audioldm2.api;

import ai.audioldm2.audio.WavWriter;
import ai.audioldm2.jobs.Eventually;
import ai.audioldm2.jobs.GenerationService;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Audio-to-audio and ranked candidates through /predict on the tiny bundle (test profile: input at most 2 s and
 * 40 KB, body at most 64 KB, durations 0.25 to 4 s, 2 steps by default).
 */
@QuarkusTest
class AudioToAudioApiTest {

    private static final int SAMPLE_RATE = 16000; // the tiny bundle's output rate

    @Inject
    GenerationService generation;

    @BeforeEach
    void modelLoaded() {
        Eventually.modelReady(generation);
    }

    private static byte[] tone(double seconds, int rate) {
        float[] samples = new float[(int) Math.round(seconds * rate)];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) (0.4 * Math.sin(2 * Math.PI * 330 * i / rate));
        }
        return WavWriter.toBytes(samples, rate, WavWriter.SampleFormat.PCM16);
    }

    private static Response predict(String json) {
        return given().contentType(ContentType.JSON).body(json).when().post("/predict");
    }

    private static Response withAudio(byte[] file, String more) {
        return predict("{\"prompt\": \"a cat meowing\", \"seed\": 5, \"audio_input_b64\": \""
                + Base64.getEncoder().encodeToString(file) + "\"" + more + "}");
    }

    @Test
    void transformsTheInputIntoAClipOfTheInputsDuration() {
        Response response = withAudio(tone(0.75, 22050), ", \"num_inference_steps\": 4");
        response.then().statusCode(200)
                .body("duration", equalTo(0.75f))
                .body("num_samples", equalTo(12000))
                .body("strength", equalTo(0.5f))
                .body("num_waveforms_per_prompt", equalTo(1))
                .body("candidates", equalTo(null));
        Wav wav = Wav.decode(Base64.getDecoder().decode(response.<String>path("audio_b64")));
        assertEquals(SAMPLE_RATE, (int) wav.format().getSampleRate());
        assertEquals(12000, wav.frames());

        // strength and duration are the client's to choose; the seed reproduces
        Response again = withAudio(tone(0.75, 22050), ", \"num_inference_steps\": 4, \"strength\": 1.0, \"duration\": 1.0");
        again.then().statusCode(200).body("strength", equalTo(1.0f)).body("num_samples", equalTo(16000));
        assertEquals(response.<String>path("audio_b64"), withAudio(tone(0.75, 22050), ", \"num_inference_steps\": 4")
                .then().statusCode(200).extract().path("audio_b64"));
    }

    @Test
    void badAudioIsRefusedWithTheProblemAndTheLimits() {
        byte[] good = tone(0.5, SAMPLE_RATE);
        byte[] nineChannels = good.clone();
        nineChannels[22] = 9;
        byte[] zeroRate = good.clone();
        Arrays.fill(zeroRate, 24, 28, (byte) 0);
        byte[] wrongHeader = good.clone();
        wrongHeader[8] = 'X';
        Map<String, byte[]> refused = new LinkedHashMap<>();
        refused.put("empty", new byte[0]);
        refused.put("truncated", Arrays.copyOf(good, 40));
        refused.put("wrong header", wrongHeader);
        refused.put("not audio", "just text".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        refused.put("sample rate 0", zeroRate);
        refused.put("9 channels", nineChannels);
        refused.put("2.5 s, over the 2 s limit", tone(2.5, 8000));
        refused.forEach((what, file) -> withAudio(file, "").then().statusCode(400)
                .body("detail", startsWith("audio_input_b64: "))
                .body("detail", containsString("Accepted: WAV"))
                .body("detail", containsString("at most 2 s, 40960 bytes")));

        withAudio(new byte[40961], "").then().statusCode(413)
                .body("detail", containsString("more than the limit"))
                .body("detail", containsString("Accepted: WAV"));
        predict("{\"prompt\": \"p\", \"audio_input_b64\": \"not base64!\"}").then().statusCode(400)
                .body("detail", startsWith("audio_input_b64 is not valid base64"));
        predict("{\"prompt\": \"p\", \"strength\": 0.3}").then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "strength")));
    }

    @Test
    void aSilentInputIsTransformedWithoutNaN() {
        Response response = withAudio(WavWriter.toBytes(new float[8000], SAMPLE_RATE, WavWriter.SampleFormat.PCM16), "");
        response.then().statusCode(200).body("num_samples", equalTo(8000));
    }

    @Test
    void candidatesComeBestFirstWithTheBestAsTheAnswer() {
        Response response = predict("{\"prompt\": \"a dog barks\", \"seed\": 3, \"duration\": 0.5, "
                + "\"num_waveforms_per_prompt\": 3}");
        response.then().statusCode(200).body("num_waveforms_per_prompt", equalTo(3));
        List<Map<String, Object>> candidates = response.path("candidates");
        assertEquals(3, candidates.size());
        assertEquals(response.<String>path("audio_b64"), candidates.get(0).get("audio_b64"));
        for (int k = 1; k < candidates.size(); k++) {
            Number better = (Number) candidates.get(k - 1).get("score");
            Number worse = (Number) candidates.get(k).get("score");
            assertNotNull(worse, "the tiny bundle has the CLAP audio encoder: every candidate is scored");
            assertTrue(better.doubleValue() >= worse.doubleValue(), "best first: " + candidates);
            assertNotEquals(candidates.get(k - 1).get("audio_b64"), candidates.get(k).get("audio_b64"));
        }
        Wav best = Wav.decode(Base64.getDecoder().decode(response.<String>path("audio_b64")));
        assertEquals(8000, best.frames());

        given().contentType(ContentType.JSON).accept("audio/wav")
                .body("{\"prompt\": \"a dog barks\", \"seed\": 3, \"duration\": 0.5, \"num_waveforms_per_prompt\": 3}")
                .when().post("/predict").then().statusCode(200)
                .header("X-Num-Waveforms-Per-Prompt", "3")
                .header("X-Clap-Score", String.valueOf(((Number) candidates.get(0).get("score")).floatValue()));
    }
}
