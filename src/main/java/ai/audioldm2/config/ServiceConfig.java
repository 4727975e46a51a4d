package ai.audioldm2.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything an operator can set, under the {@code audioldm2.} prefix. Quarkus maps environment variables onto
 * these names: {@code AUDIOLDM2_MODEL_DIR} sets {@code audioldm2.model-dir},
 * {@code AUDIOLDM2_QUEUE_CAPACITY} sets {@code audioldm2.queue.capacity}, and so on.
 */
@ConfigMapping(prefix = "audioldm2")
public interface ServiceConfig {

    /** The bundle to serve; when absent the committed random tiny test bundle is used (with a loud warning). */
    Optional<Path> modelDir();

    /** Reported by /health as the service version. */
    @WithDefault("0.1.0")
    String version();

    Runtime runtime();

    Queue queue();

    Limits limits();

    Defaults defaults();

    Request request();

    Api api();

    Auth auth();

    DeviceMemory deviceMemory();

    /** Where the embedded jobs store lives (created if missing): {@code jobs.mv.db} in this folder. */
    @WithDefault("data")
    Path dataDir();

    Jobs jobs();

    /** POST /jobs and its store; see {@link ai.audioldm2.jobs.JobStoreSelection} for how the store is picked. */
    interface Jobs {
        /** {@code jdbc:postgresql://host:port/db} selects PostgreSQL, shared by replicas; unset: embedded H2. */
        Optional<String> storeUrl();

        Optional<String> storeUser();

        Optional<String> storePassword();

        /** How long a worker's claim on a running job lasts without renewal; renewed every third of it. */
        @WithDefault("30")
        int leaseSeconds();

        /** Finished jobs (and their audio) older than this are removed. */
        @WithDefault("24h")
        Duration retention();

        /** Stored audio above this total removes the oldest finished jobs first. */
        @WithDefault("2G")
        MemorySize maxResultBytes();

        /** Queued jobs beyond this are refused with 503 and Retry-After. */
        @WithDefault("1000")
        int maxQueued();

        /**
         * This replica's name in leases. Unset: a random one per start. With a stable name (a host name), a
         * replica restarted after a crash runs its own interrupted jobs again at once instead of waiting for
         * their leases to expire.
         */
        Optional<String> instanceId();
    }

    /** How the ONNX sessions run; mirrors {@link ai.audioldm2.onnx.RuntimeOptions}. */
    interface Runtime {
        /** cpu, cuda, migraphx or rocm. */
        @WithDefault("cpu")
        String provider();

        /** Fall back to CPU when the configured provider is unavailable, instead of failing to load. */
        @WithDefault("false")
        boolean cpuFallback();

        @WithDefault("0")
        int deviceId();

        /** 0 lets ONNX Runtime choose. */
        @WithDefault("0")
        int intraOpThreads();

        @WithDefault("0")
        int interOpThreads();

        /** disable, basic, extended or all. */
        @WithDefault("all")
        String optimization();

        Optional<Path> optimizedModelDir();

        /** Plugin execution-provider library (the MIGraphX route), if any. */
        Optional<Path> providerLibrary();

        /**
         * The modes served: exact, and fast to also load the bundle's fast graphs (its manifest's "fast" block).
         * A bundle without them serves exact only, with a warning at load.
         */
        @WithDefault("exact")
        List<String> modes();
    }

    interface Queue {
        /** Generations that run at the same time. */
        @WithDefault("1")
        int concurrency();

        /** Requests that may wait for a worker; one more is refused with 503. */
        @WithDefault("8")
        int capacity();

        /** The Retry-After hint sent with 503 answers. */
        @WithDefault("30")
        int retryAfterSeconds();
    }

    interface Limits {
        /** Request bodies above this size are refused with 413 (also applied to the HTTP server). */
        @WithDefault("16M")
        MemorySize maxBodySize();

        @WithDefault("1.0")
        double minDuration();

        @WithDefault("30.0")
        double maxDuration();

        @WithDefault("10")
        int minSteps();

        @WithDefault("500")
        int maxSteps();

        @WithDefault("1.0")
        double minGuidanceScale();

        @WithDefault("20.0")
        double maxGuidanceScale();

        /** Most candidates one request may ask for (num_waveforms_per_prompt). */
        @WithDefault("4")
        int maxWaveformsPerPrompt();

        /** Most requests in one POST /predict/batch. */
        @WithDefault("8")
        int maxBatchItems();

        /** Longest audio-to-audio input clip, in seconds (a longer one is refused with 400). */
        @WithDefault("30.0")
        double maxInputDuration();

        /** Largest audio-to-audio input file, decoded from base64 (a larger one is refused with 413). */
        @WithDefault("12M")
        MemorySize maxInputBytes();

        /**
         * Most memory one request may add to the process, by the estimate of ai.audioldm2.pipeline.RequestMemory; a
         * heavier one is refused with 422. Unset: half the machine's memory less the model's files.
         */
        Optional<MemorySize> maxRequestMemory();
    }

    /** Values used when a request leaves a field out. */
    /** How the API names things for its clients. */
    interface Api {
        /** native (audio_b64, meta) or fleet (audio_base64, metadata): see {@link FieldNames}. */
        @WithDefault("native")
        FieldNames fieldNames();
    }

    /** Optional bearer tokens (api.BearerTokenAuth); none configured means no authentication, as in the fleet. */
    interface Auth {
        /** Accepted tokens, comma separated (AUDIOLDM2_AUTH_TOKENS). */
        Optional<List<String>> tokens();

        /** A file of accepted tokens, one a line (AUDIOLDM2_AUTH_TOKENS_FILE); read at start. */
        Optional<Path> tokensFile();

        /** With tokens: leave /q/metrics, /q/openapi and the Swagger UI open (true) or behind the token (false). */
        @WithDefault("false")
        boolean openDocsAndMetrics();
    }

    interface Defaults {
        /** Unset means no negative prompt. */
        Optional<String> negativePrompt();

        @WithDefault(RequestDefaults.DURATION)
        double duration();

        @WithDefault(RequestDefaults.NUM_INFERENCE_STEPS)
        int numInferenceSteps();

        @WithDefault(RequestDefaults.GUIDANCE_SCALE)
        double guidanceScale();

        @WithDefault(RequestDefaults.SCHEDULER)
        String scheduler();
    }

    /** How a request runs when its body leaves that out. */
    interface Request {
        /** exact or fast. */
        @WithDefault(RequestDefaults.MODE)
        String mode();
    }

    /** The start-up check of free GPU memory, done when the provider is not cpu. */
    interface DeviceMemory {
        @WithDefault("6.0")
        double requiredGb();

        /** Root of sysfs, where AMD GPUs report VRAM (class/drm/card*&#47;device/mem_info_vram_*). */
        @WithDefault("/sys")
        Path sysfsRoot();

        /** The nvidia-smi command line that prints "total, used" in MiB, one line per GPU. */
        @WithDefault("nvidia-smi,--query-gpu=memory.total\\,memory.used,--format=csv\\,noheader\\,nounits")
        List<String> nvidiaSmiCommand();
    }
}
