package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** CLAP audio tower + projection: features (B, 1, frames, mel) → L2-normalised audio embedding (B, P). */
record ClapAudioEncoder(OrtEnvironment env, OrtSession session) {

    static final String GRAPH = "clap_audio";

    FloatTensor encode(FloatTensor features) {
        try (GraphRun run = new GraphRun(env, session, GRAPH)) {
            return run.input("input_features", features).runFloat("audio_embeds");
        }
    }
}
