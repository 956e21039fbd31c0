# cli_test.cmake: end-to-end tests of the ruvllm binary on the tiny fixture (label: cli).
set(RUVLLM_BIN $<TARGET_FILE:ruvllm-cli>)
set(TINY ${CMAKE_CURRENT_SOURCE_DIR}/data/tiny_library)
set(CLI_TMP ${CMAKE_CURRENT_BINARY_DIR}/tmp/cli)
set(EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/run_expect.cmake)

# cli_expect(<name> RC <code> [ERR regex] [OUT regex] [ONE_LINE] ARGS ...)
function(cli_expect name)
    cmake_parse_arguments(A "ONE_LINE" "RC;ERR;OUT" "ARGS" ${ARGN})
    set(defs -DRC=${A_RC})
    if (DEFINED A_ERR)
        list(APPEND defs "-DERR=${A_ERR}")
    endif()
    if (DEFINED A_OUT)
        list(APPEND defs "-DOUT=${A_OUT}")
    endif()
    if (A_ONE_LINE)
        list(APPEND defs -DLINES=1)
    endif()
    string(REPLACE ";" "|" cmd "${RUVLLM_BIN};${A_ARGS}")
    add_test(NAME cli.${name} COMMAND ${CMAKE_COMMAND} "-DCMD=${cmd}" ${defs} -P ${EXPECT})
    set_tests_properties(cli.${name} PROPERTIES LABELS cli)
endfunction()

cli_expect(help RC 0 OUT "--per-category.*--labels.*--split.*--folds.*--balance.*--stream"
           ARGS generate --help)
cli_expect(version RC 0 OUT "ruvllm [0-9]+\\.[0-9]+" ARGS --version)
cli_expect(generate_dir RC 0 OUT "claude_training_full.jsonl.*README.md"
           ERR "generate: 2 agents, 6 templates"
           ARGS generate --library ${TINY} --out ${CLI_TMP}/dir --per-category 5)
cli_expect(stream_stdout RC 0 OUT "^\\{\"input\":.*\"augmentation\":\"[a-z]+\"\\}\\}\n$"
           ARGS generate --library ${TINY} --stream --count 25 --out - -q)
cli_expect(unknown_flag RC 1 ONE_LINE ERR "^ruvllm: .*--bogus" ARGS generate --bogus)
# Surface styles (#14): the shipped library's mix; a library without lexicon/styles.yaml and a
# bad mix are one-line errors.
cli_expect(generate_styles RC 0 OUT "\"style\":\"(terse|imperative|question|chat|lowercase|context)\""
           ARGS generate --labels agents --styles real --stream --count 40 --out - -q)
cli_expect(generate_styles_no_lexicon RC 1 ONE_LINE ERR "^ruvllm: generate: .*styles"
           ARGS generate --library ${TINY} --styles real --out ${CLI_TMP}/nostyle)
cli_expect(generate_styles_bad RC 1 ONE_LINE ERR "^ruvllm: generate: styles: 'terse=x'"
           ARGS generate --styles terse=x --out ${CLI_TMP}/badstyle)
# convert: any labelled data -> fastText lines with generate's tokenizer.
cli_expect(convert_fasttext RC 0 ERR "convert: 746 examples \\(0 skipped\\)"
           ARGS convert -i ${PROJECT_SOURCE_DIR}/data/eval/dev.jsonl -o ${CLI_TMP}/dev.ft.txt)
cli_expect(convert_onto_input RC 1 ONE_LINE ERR "^ruvllm: .*is also an input"
           ARGS convert -i ${CLI_TMP}/dev.ft.txt -o ${CLI_TMP}/dev.ft.txt)
# No verb writes over one of its inputs (#16): refused before anything is read.
cli_expect(triplets_onto_input RC 1 ONE_LINE ERR "^ruvllm: .*dev.ft.txt: is also an input"
           ARGS triplets -i ${CLI_TMP}/dev.ft.txt -o ${CLI_TMP}/dev.ft.txt)
cli_expect(eval_report_onto_model RC 1 ONE_LINE ERR "^ruvllm: .*r.gguf: is also an input"
           ARGS eval -m ${CLI_TMP}/r.gguf -i ${CLI_TMP}/dev.ft.txt --report ${CLI_TMP}/r.gguf)
cli_expect(eval_errors_onto_data RC 1 ONE_LINE ERR "^ruvllm: .*dev.ft.txt: is also an input"
           ARGS eval -m ${CLI_TMP}/r.gguf -i ${CLI_TMP}/dev.ft.txt --errors ${CLI_TMP}/dev.ft.txt)
cli_expect(report_onto_stats RC 1 ONE_LINE ERR "^ruvllm: .*s.json: is also an input"
           ARGS report --stats ${CLI_TMP}/s.json -o ${CLI_TMP}/s.json)
cli_expect(no_verb RC 1 ONE_LINE ERR "^ruvllm: " ARGS)
cli_expect(bad_split RC 1 ONE_LINE ERR "^ruvllm: --split '0.5,0.3,0.3'.*sum to 1"
           ARGS generate --library ${TINY} --out ${CLI_TMP}/x --split 0.5,0.3,0.3)
cli_expect(negative_count RC 1 ONE_LINE ERR "^ruvllm: .*negative"
           ARGS generate --library ${TINY} --out ${CLI_TMP}/x --per-category -3)
cli_expect(bad_labels RC 1 ONE_LINE ERR "^ruvllm: .*--labels"
           ARGS generate --labels intents)
cli_expect(count_needs_stream RC 1 ONE_LINE ERR "^ruvllm: --count is for streaming"
           ARGS generate --library ${TINY} --count 5)
cli_expect(stream_needs_count RC 1 ONE_LINE ERR "^ruvllm: --stream needs --count"
           ARGS generate --library ${TINY} --stream --out -)
cli_expect(missing_library RC 1 ONE_LINE ERR "^ruvllm: /nonexistent/lib: library directory not found"
           ARGS generate --library /nonexistent/lib)
cli_expect(unwritable_out RC 1 ONE_LINE ERR "^ruvllm: /proc/ruvllm-out: cannot create output directory"
           ARGS generate --library ${TINY} --out /proc/ruvllm-out)
cli_expect(bad_folds RC 1 ONE_LINE ERR "^ruvllm: --folds 1"
           ARGS generate --library ${TINY} --out ${CLI_TMP}/x --folds 1)

add_test(NAME cli.same_seed_same_bytes
         COMMAND ${CMAKE_COMMAND} -DBIN=${RUVLLM_BIN} -DLIB=${TINY} -DDIR=${CLI_TMP}/det
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/cli_same_bytes.cmake)
set_tests_properties(cli.same_seed_same_bytes PROPERTIES LABELS cli)

# inspect
set(TINY_GGUF ${CMAKE_CURRENT_SOURCE_DIR}/data/tiny.gguf)
cli_expect(inspect RC 0 OUT "GGUF v3, 2 key/value pairs, 1 tensors.*ruvllm.n += 7.*w +F32 +2 x 1"
           ARGS inspect ${TINY_GGUF})
cli_expect(inspect_kv_only RC 0 OUT "general.architecture"
           ARGS inspect --kv ${TINY_GGUF})
cli_expect(inspect_not_gguf RC 1 ONE_LINE ERR "^ruvllm: .*values.yaml: bad magic, expected \"GGUF\""
           ARGS inspect ${TINY}/values.yaml)
cli_expect(inspect_missing RC 1 ONE_LINE ERR "^ruvllm: /nonexistent.gguf: cannot open"
           ARGS inspect /nonexistent.gguf)

# pretrain / train on tiny data (a corpus made of the tiny library's own texts)
set(TRAIN_DIR ${CLI_TMP}/train)
add_test(NAME cli.train_setup
         COMMAND ${CMAKE_COMMAND} -E make_directory ${TRAIN_DIR})
add_test(NAME cli.train_generate
         COMMAND ${RUVLLM_BIN} generate --library ${TINY} --labels agents --per-agent 40
                 --out ${TRAIN_DIR}/ds -q)
set_tests_properties(cli.train_setup cli.train_generate PROPERTIES LABELS cli)
set_tests_properties(cli.train_generate PROPERTIES DEPENDS cli.train_setup)
cli_expect(pretrain_tiny RC 0 ERR "pretrain: .* words .*vocabulary .*dim 8"
           ARGS pretrain --corpus ${TRAIN_DIR}/ds/claude_training_train.jsonl
                --out ${TRAIN_DIR}/base.gguf --dim 8 --epochs 1 --bucket 1000 --min-count 1
                --threads 1)
cli_expect(train_tiny RC 0 ERR "held-out test: accuracy [0-9.]+, macro-F1"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl
                --test ${TRAIN_DIR}/ds/claude_training_test.jsonl --base ${TRAIN_DIR}/base.gguf
                --dim 8 --epochs 2 --out ${TRAIN_DIR}/router.gguf)
cli_expect(inspect_router RC 0 OUT "ruvllm.kind += \"router\".*router.prototypes"
           ARGS inspect ${TRAIN_DIR}/router.gguf)
cli_expect(train_missing_data RC 1 ONE_LINE ERR "^ruvllm: .*nope.jsonl: cannot open"
           ARGS train --data ${TRAIN_DIR}/nope.jsonl --base ${TRAIN_DIR}/base.gguf)
cli_expect(train_base_is_not_a_model RC 1 ONE_LINE ERR "^ruvllm: .*values.yaml: bad magic"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TINY}/values.yaml)
cli_expect(train_bad_test_file RC 1 ONE_LINE ERR "^ruvllm: values.yaml:[0-9]+: not a JSON object"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --test ${TINY}/values.yaml)
cli_expect(pretrain_missing_corpus RC 1 ONE_LINE ERR "^ruvllm: /nonexistent.txt: corpus not found"
           ARGS pretrain --corpus /nonexistent.txt --out ${TRAIN_DIR}/x.gguf)
set_tests_properties(cli.pretrain_tiny PROPERTIES DEPENDS cli.train_generate)
set_tests_properties(cli.train_tiny PROPERTIES DEPENDS cli.pretrain_tiny)
set_tests_properties(cli.inspect_router PROPERTIES DEPENDS cli.train_tiny)
set_tests_properties(cli.train_missing_data cli.train_bad_test_file
                     PROPERTIES DEPENDS cli.pretrain_tiny)
cli_expect(triplets_tiny RC 0 ERR "triplets: [0-9]+ \\([0-9]+ hard mined"
           ARGS triplets --data ${TRAIN_DIR}/ds/claude_training_train.jsonl
                --model ${TRAIN_DIR}/router.gguf --out ${TRAIN_DIR}/triplets.jsonl)
cli_expect(train_checkpoints RC 0 ERR "3 epochs in"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl
                --data ${TRAIN_DIR}/triplets.jsonl --base ${TRAIN_DIR}/base.gguf --dim 8
                --epochs 3 --checkpoint-every 2 --out ${TRAIN_DIR}/ck.gguf)
cli_expect(train_resume RC 0 ERR "resuming from .*epoch-002.gguf at epoch 2"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --dim 8 --epochs 3 --resume ${TRAIN_DIR}/ck.gguf.checkpoints/epoch-002.gguf
                --out ${TRAIN_DIR}/resumed.gguf)
cli_expect(train_resume_mismatch RC 1 ONE_LINE ERR "^ruvllm: .*checkpoint does not match"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --dim 4 --epochs 3 --resume ${TRAIN_DIR}/ck.gguf.checkpoints/epoch-002.gguf)
set_tests_properties(cli.triplets_tiny PROPERTIES DEPENDS cli.train_tiny)
set_tests_properties(cli.train_checkpoints PROPERTIES DEPENDS cli.triplets_tiny)
set_tests_properties(cli.train_resume cli.train_resume_mismatch PROPERTIES DEPENDS cli.train_checkpoints)
cli_expect(route_args RC 0 OUT "^\\{\"task\":\"fix the ci pipeline\",\"agent\":\"[a-z-]+\",\"confidence\":[0-9.]+,\"stage\":\"(embedding|blend)\",\"top\":.*latency_us"
           ARGS route -m ${TRAIN_DIR}/router.gguf "fix the ci pipeline")
cli_expect(route_input RC 0 OUT "\"task\":\"from json\".*\"task\":\"plain line\""
           ARGS route -m ${TRAIN_DIR}/router.gguf --input ${CMAKE_CURRENT_SOURCE_DIR}/data/route_input.txt)
cli_expect(route_no_task RC 1 ONE_LINE ERR "^ruvllm: route: no task" ARGS route -m ${TRAIN_DIR}/router.gguf)
cli_expect(route_base_model RC 1 ONE_LINE ERR "^ruvllm: .*base.gguf: gguf: not a ruvllm router model"
           ARGS route -m ${TRAIN_DIR}/base.gguf "x")
cli_expect(route_text_field RC 1 OUT "^\\{\"task\":\"fix the ci. pipeline is red\""
           ERR "route_fields.jsonl:2: expected a JSON object with a string field of --text-field title,body"
           ARGS route -m ${TRAIN_DIR}/router.gguf --text-field title,body
                --input ${CMAKE_CURRENT_SOURCE_DIR}/data/route_fields.jsonl)
set_tests_properties(cli.route_text_field PROPERTIES DEPENDS cli.train_tiny)
set_tests_properties(cli.route_args cli.route_input cli.route_no_task cli.route_base_model
                     PROPERTIES DEPENDS cli.train_tiny)
cli_expect(quantize_q8_0 RC 0 ERR "rows of 8 are not a multiple of 32 for Q8_0; using F16"
           ARGS quantize -m ${TRAIN_DIR}/router.gguf -o ${TRAIN_DIR}/router-q8.gguf --type q8_0)
cli_expect(quantize_k_fallback RC 0 ERR "not a multiple of 256 for Q6_K; using F16"
           ARGS quantize -m ${TRAIN_DIR}/router.gguf -o ${TRAIN_DIR}/router-q6k.gguf --type q6_k)
cli_expect(quantize_bad_type RC 1 ONE_LINE ERR "^ruvllm: --type 'q3_k', expected"
           ARGS quantize -m ${TRAIN_DIR}/router.gguf -o ${TRAIN_DIR}/x.gguf --type q3_k)
cli_expect(eval_quantized RC 0 OUT "embedding +[0-9.]+ +[0-9.]+.*latency per task"
           ARGS eval -m ${TRAIN_DIR}/router-q8.gguf -i ${TRAIN_DIR}/ds/claude_training_test.jsonl)
cli_expect(eval_unknown_label RC 1 ONE_LINE ERR "^ruvllm: route_input.txt:1: .*"
           ARGS eval -m ${TRAIN_DIR}/router.gguf -i ${CMAKE_CURRENT_SOURCE_DIR}/data/route_input.txt)
set_tests_properties(cli.quantize_q8_0 cli.quantize_k_fallback cli.quantize_bad_type
                     cli.eval_unknown_label PROPERTIES DEPENDS cli.train_tiny)
set_tests_properties(cli.eval_quantized PROPERTIES DEPENDS cli.quantize_q8_0)
cli_expect(export_tiny RC 0 ERR "export: (7|10|14) tensors, [0-9]+ of [0-9]+ subword rows changed"
           ARGS export -m ${TRAIN_DIR}/router.gguf --base ${TRAIN_DIR}/base.gguf -o ${TRAIN_DIR}/adapter)
cli_expect(merge_tiny RC 0 ERR "merge: .* -> .*merged.gguf"
           ARGS merge --base ${TRAIN_DIR}/base.gguf --adapter ${TRAIN_DIR}/adapter
                -o ${TRAIN_DIR}/merged.gguf)
cli_expect(merge_missing_adapter RC 1 ONE_LINE ERR "^ruvllm: .*nowhere: cannot open"
           ARGS merge --base ${TRAIN_DIR}/base.gguf --adapter ${TRAIN_DIR}/nowhere -o ${TRAIN_DIR}/m2.gguf)
set_tests_properties(cli.export_tiny PROPERTIES DEPENDS cli.train_tiny)
set_tests_properties(cli.merge_tiny cli.merge_missing_adapter PROPERTIES DEPENDS cli.export_tiny)
cli_expect(route_keyword_mode RC 0 OUT "\"agent\":(null|\"[a-z-]+\"),\"confidence\":[0-9.]+,\"stage\":\"keyword\""
           ARGS route -m ${TRAIN_DIR}/router.gguf --mode keyword "zzz qqq")
cli_expect(eval_side_by_side RC 0
           OUT "keyword +[0-9.]+ +[0-9.]+.*embedding +[0-9.]+.*hybrid +[0-9.]+.*confusion matrix"
           ARGS eval -m ${TRAIN_DIR}/router.gguf -i ${TRAIN_DIR}/ds/claude_training_test.jsonl)
cli_expect(eval_errors RC 0 OUT "[0-9]+ misrouted examples written to .*errors.jsonl"
           ARGS eval -m ${TRAIN_DIR}/router.gguf -i ${TRAIN_DIR}/ds/claude_training_test.jsonl
                --errors ${TRAIN_DIR}/errors.jsonl --report ${TRAIN_DIR}/eval.json)
cli_expect(route_bad_utf8 RC 1 ERR "\nruvllm: .*route_bad_utf8.txt:2: task is not valid UTF-8 at byte 7"
           ARGS route -m ${TRAIN_DIR}/router.gguf --input ${CMAKE_CURRENT_SOURCE_DIR}/data/route_bad_utf8.txt)
cli_expect(route_max_tier RC 0 OUT "\"model\":\"haiku\""
           ARGS route -m ${TRAIN_DIR}/router.gguf --max-tier haiku "design a distributed system")
add_test(NAME cli.serve COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/serve_cli.sh
         ${RUVLLM_BIN} ${TRAIN_DIR}/router.gguf)
set_tests_properties(cli.serve PROPERTIES LABELS cli)
set_tests_properties(cli.eval_errors cli.route_bad_utf8 cli.route_max_tier cli.serve
                     PROPERTIES DEPENDS cli.train_tiny)
# The client libraries (clients/node, clients/python; #17), each against the real `ruvllm serve`
# on an ephemeral port: they fail (not skip) when node or python3 is missing.
foreach (client node python)
    add_test(NAME cli.client_${client}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/client_cli.sh ${client} ${RUVLLM_BIN}
                     ${TRAIN_DIR}/router.gguf)
    set_tests_properties(cli.client_${client} PROPERTIES LABELS cli DEPENDS cli.train_tiny
                         TIMEOUT 60)
endforeach()
set_tests_properties(cli.route_keyword_mode cli.eval_side_by_side PROPERTIES DEPENDS cli.train_tiny)
cli_expect(route_abstains RC 0 OUT "\"agent\":null,\"confidence\""
           ARGS route -m ${TRAIN_DIR}/router.gguf --mode embedding --min-confidence 1.0 "deploy it")
cli_expect(train_calibrates RC 0 ERR "calibrated on validation: temperature [0-9.]+, ECE [0-9.]+ -> [0-9.]+"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --val ${TRAIN_DIR}/ds/claude_training_val.jsonl --dim 8 --epochs 2
                --out ${TRAIN_DIR}/calibrated.gguf)
set_tests_properties(cli.route_abstains PROPERTIES DEPENDS cli.train_tiny)
set_tests_properties(cli.train_calibrates PROPERTIES DEPENDS cli.pretrain_tiny)
cli_expect(route_with_heads RC 0 OUT "\"model\":\"(haiku|sonnet|opus)\",\"complexity\":\"(Simple|Moderate|Complex)\",\"quality\":[0-9.]+"
           ARGS route -m ${TRAIN_DIR}/router.gguf --mode embedding --tier-bias=-0.5 "deploy it")
set_tests_properties(cli.route_with_heads PROPERTIES DEPENDS cli.train_tiny)
# The sparse stage (#15): trained by default (train's log says how the blend was fitted), routes
# alone with --mode sparse, and is refused by name on a router trained with --no-sparse.
cli_expect(train_sparse_stage RC 0 ERR "sparse stage: [0-9]+ n-gram rows; validation accuracy embedding [0-9.]+, sparse [0-9.]+, blend [0-9.]+ \\(alpha [0-9.]+"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --val ${TRAIN_DIR}/ds/claude_training_val.jsonl --dim 8 --epochs 2 --sparse-epochs 5
                --out ${TRAIN_DIR}/sparse.gguf)
cli_expect(route_sparse_mode RC 0 OUT "\"stage\":\"sparse\",\"top\":..\"[a-z-]+\",0\\.[0-9]+"
           ARGS route -m ${TRAIN_DIR}/sparse.gguf --mode sparse "deploy it")
cli_expect(eval_sparse_row RC 0 OUT "embedding +[0-9.]+ +[0-9.]+.*\nsparse +[0-9.]+ +[0-9.]+.*\nhybrid"
           ARGS eval -m ${TRAIN_DIR}/sparse.gguf -i ${TRAIN_DIR}/ds/claude_training_test.jsonl)
cli_expect(train_no_sparse RC 0 ERR "train: keyword stage"
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --dim 8 --epochs 1 --no-sparse --out ${TRAIN_DIR}/no-sparse.gguf)
cli_expect(route_sparse_absent RC 1 ERR "\nruvllm: route: task 1: mode sparse: the model has no sparse stage"
           ARGS route -m ${TRAIN_DIR}/no-sparse.gguf --mode sparse "deploy it")
# Attention pooling (#15): the router file carries the learned query and says so.
cli_expect(train_attention_pooling RC 0 ERR "train: "
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --val ${TRAIN_DIR}/ds/claude_training_val.jsonl --dim 8 --epochs 2 --no-sparse
                --attention-pooling --out ${TRAIN_DIR}/attention.gguf)
cli_expect(inspect_attention_pooling RC 0
           OUT "ruvllm.train.attention_pooling += true.*base.pool_query +F32 +[0-9]+ "
           ARGS inspect ${TRAIN_DIR}/attention.gguf)
set_tests_properties(cli.train_attention_pooling PROPERTIES DEPENDS cli.pretrain_tiny)
set_tests_properties(cli.inspect_attention_pooling PROPERTIES DEPENDS cli.train_attention_pooling)
set_tests_properties(cli.train_sparse_stage cli.train_no_sparse PROPERTIES DEPENDS cli.pretrain_tiny)
set_tests_properties(cli.route_sparse_mode cli.eval_sparse_row PROPERTIES DEPENDS cli.train_sparse_stage)
set_tests_properties(cli.route_sparse_absent PROPERTIES DEPENDS cli.train_no_sparse)

# GRPO (#6): rounds on the tiny router with the labels judge; versioned models and the report.
cli_expect(grpo_tiny RC 0 ERR "grpo: round 1: [0-9]+ tasks, mean reward [0-9.]+.*(kept|rolled back).*grpo: -> .*grpo.gguf"
           ARGS grpo -m ${TRAIN_DIR}/router.gguf -i ${TRAIN_DIR}/ds/claude_training_train.jsonl
                --val ${TRAIN_DIR}/ds/claude_training_val.jsonl -o ${TRAIN_DIR}/grpo.gguf --rounds 2)
cli_expect(grpo_needs_val RC 1 ONE_LINE ERR "^ruvllm: --val is required"
           ARGS grpo -m ${TRAIN_DIR}/router.gguf -i ${TRAIN_DIR}/ds/claude_training_train.jsonl
                -o ${TRAIN_DIR}/grpo2.gguf)
cli_expect(train_grpo_rounds RC 0 ERR "grpo: round 1: .*train: "
           ARGS train --data ${TRAIN_DIR}/ds/claude_training_train.jsonl --base ${TRAIN_DIR}/base.gguf
                --val ${TRAIN_DIR}/ds/claude_training_val.jsonl --dim 8 --epochs 1 --grpo-rounds 1
                --out ${TRAIN_DIR}/train-grpo.gguf)
set_tests_properties(cli.grpo_tiny cli.grpo_needs_val PROPERTIES DEPENDS cli.train_tiny)
set_tests_properties(cli.train_grpo_rounds PROPERTIES DEPENDS cli.pretrain_tiny)

# hard-negatives (#6). The LLM paths run against a mock server in hard_negatives_test; here:
# --help, no key (one line, exit 1, nothing created even under the default paths), bad flags.
cli_expect(hard_negatives_help RC 0
           OUT "--count.*--out.*--data.*--test.*--model.*--near-duplicate.*--pairs.*--api-base.*--llm-model.*--max-tokens-total.*--cache-dir.*--max-retries.*--timeout.*--report.*--seed.*--quiet"
           ARGS hard-negatives --help)
foreach (hn_case "no_key;--unset=ANTHROPIC_API_KEY" "empty_key;ANTHROPIC_API_KEY=")
    list(GET hn_case 0 hn_name)
    list(GET hn_case 1 hn_env)
    add_test(NAME cli.hard_negatives_${hn_name}
             COMMAND ${CMAKE_COMMAND} -E env ${hn_env} ${CMAKE_COMMAND}
                     "-DCMD=${RUVLLM_BIN}|hard-negatives|--out|${CLI_TMP}/hn_nokey/out.jsonl"
                     -DRC=1 "-DERR=^ruvllm: hard-negatives: ANTHROPIC_API_KEY is not set" -DLINES=1
                     -P ${EXPECT})
    set_tests_properties(cli.hard_negatives_${hn_name} PROPERTIES LABELS cli)
endforeach()
add_test(NAME cli.hard_negatives_no_key_writes_nothing
         COMMAND bash -c "rm -rf \"$1\" && mkdir -p \"$1/home\" \"$1/cwd\" && cd \"$1/cwd\" && env -u ANTHROPIC_API_KEY HOME=\"$1/home\" \"$0\" hard-negatives --report r.json; test $? -eq 1 && test -z \"$(find \"$1/home\" \"$1/cwd\" -mindepth 1)\""
                 ${RUVLLM_BIN} ${CLI_TMP}/hn_nothing)
set_tests_properties(cli.hard_negatives_no_key_writes_nothing PROPERTIES LABELS cli)
add_test(NAME cli.hard_negatives_bad_pairs
         COMMAND ${CMAKE_COMMAND} -E env ANTHROPIC_API_KEY=sk-ant-fake ${CMAKE_COMMAND}
                 "-DCMD=${RUVLLM_BIN}|hard-negatives|--pairs|coder/janitor|--out|${CLI_TMP}/hn_bad/out.jsonl|--api-base|http://127.0.0.1:9"
                 -DRC=1 "-DERR=^ruvllm: --pairs: 'coder/janitor': unknown agent 'janitor'" -DLINES=1
                 -P ${EXPECT})
set_tests_properties(cli.hard_negatives_bad_pairs PROPERTIES LABELS cli)
cli_expect(hard_negatives_bad_count RC 1 ONE_LINE ERR "^ruvllm: .*--count"
           ARGS hard-negatives --count 0)

# pipeline (#8): the whole chain from one config on the tiny setup, then a resume that skips
# every stage, and a config with a typo.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/pipeline_tiny.yaml
"out: ${TRAIN_DIR}/pipe
generate:
  library: ${TINY}
  per_category: 10
  styles: none
train:
  epochs: 1
  dim: 8
  base: ${TRAIN_DIR}/base.gguf
grpo:
  rounds: 1
export:
  enabled: true
  quantize: q8_0
")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/pipeline_typo.yaml "train:\n  epoch: 3\n")
cli_expect(pipeline_tiny RC 0
           ERR "== pipeline: generate.*== pipeline: triplets.*hard_negatives: disabled.*== pipeline: train.*== pipeline: grpo.*== pipeline: eval.*== pipeline: export.*== pipeline: report.*pipeline: 7 stage"
           ARGS pipeline --config ${CMAKE_CURRENT_BINARY_DIR}/pipeline_tiny.yaml --force)
cli_expect(pipeline_resume RC 0 ERR "train: up to date.*report: up to date.*pipeline: 0 stage"
           ARGS pipeline --config ${CMAKE_CURRENT_BINARY_DIR}/pipeline_tiny.yaml)
cli_expect(pipeline_typo RC 1 ONE_LINE
           ERR "^ruvllm: .*pipeline_typo.yaml:2: train.epoch: unknown key, expected one of"
           ARGS pipeline --config ${CMAKE_CURRENT_BINARY_DIR}/pipeline_typo.yaml)
set_tests_properties(cli.pipeline_tiny PROPERTIES DEPENDS cli.pretrain_tiny)
set_tests_properties(cli.pipeline_resume PROPERTIES DEPENDS cli.pipeline_tiny)
cli_expect(report_fixture RC 0 OUT "report: 1 training stats, 1 eval reports.* -> .*report.html"
           ARGS report --run ${CMAKE_CURRENT_SOURCE_DIR}/data/report_run -o ${CLI_TMP}/report.html)
cli_expect(report_missing_dir RC 1 ONE_LINE ERR "^ruvllm: .*nowhere"
           ARGS report --run ${CLI_TMP}/nowhere -o ${CLI_TMP}/r2.html)

# lora-merge (lora.h): tests/data/lora_adapter.gguf folded into tests/data/lora_base.gguf
set(LORA_DATA ${CMAKE_CURRENT_SOURCE_DIR}/data)
cli_expect(lora_merge RC 0
           ERR "lora-merge: .*lora_base.gguf \\+ .*lora_adapter.gguf \\(1 tensors, alpha 2, scale 0.5\\) -> "
           ARGS lora-merge --lora ${LORA_DATA}/lora_adapter.gguf --base ${LORA_DATA}/lora_base.gguf
                -o ${CMAKE_CURRENT_BINARY_DIR}/lora_merged.gguf --scale 0.5)
cli_expect(lora_merge_inspect RC 0 OUT "some.key += 42.*blk.0.attn_q.weight +F32 +2 x 2"
           ARGS inspect ${CMAKE_CURRENT_BINARY_DIR}/lora_merged.gguf)
set_tests_properties(cli.lora_merge_inspect PROPERTIES DEPENDS cli.lora_merge)
cli_expect(lora_merge_wrong_arch RC 1 ONE_LINE
           ERR "^ruvllm: .*tiny.gguf: lora: adapter architecture 'qwen2' does not match the base model's 'ruvllm'"
           ARGS lora-merge --lora ${LORA_DATA}/lora_adapter.gguf --base ${TINY_GGUF}
                -o ${CMAKE_CURRENT_BINARY_DIR}/lora_bad.gguf)
cli_expect(lora_merge_not_adapter RC 1 ONE_LINE ERR "^ruvllm: .*lora_base.gguf: lora: .*general.type"
           ARGS lora-merge --lora ${LORA_DATA}/lora_base.gguf --base ${LORA_DATA}/lora_base.gguf
                -o ${CMAKE_CURRENT_BINARY_DIR}/lora_bad.gguf)
cli_expect(generate_parquet RC 0 OUT "claude_training_full.parquet.*claude_training_test.parquet"
           ARGS generate --library ${TINY} --per-category 5 --format parquet --compression zstd
                --out ${CLI_TMP}/pq)
cli_expect(generate_hf RC 0 OUT "data/train-00000-of-00001.parquet.*data/test-00000-of-00001.parquet.*README.md"
           ARGS generate --library ${TINY} --per-category 5 --format hf --out ${CLI_TMP}/hf)
# Numbers CLI11 would let through (#16): nan/inf for a real, a negative or exponent for a seed,
# and values out of range.
cli_expect(nan_option RC 1 ONE_LINE ERR "^ruvllm: --tier-bias nan, expected a finite number"
           ARGS route -m ${CLI_TMP}/none.gguf --tier-bias nan task)
cli_expect(negative_seed RC 1 ONE_LINE ERR "^ruvllm: --seed -1, expected a whole number"
           ARGS generate --library ${TINY} --out ${CLI_TMP}/x --seed -1)
cli_expect(negative_top RC 1 ONE_LINE ERR "^ruvllm: --top: Value -1 not in range"
           ARGS route -m ${CLI_TMP}/none.gguf --top -1 task)
cli_expect(train_margin_nan RC 1 ONE_LINE ERR "^ruvllm: --margin nan, expected a finite number"
           ARGS train --data ${CLI_TMP}/none.jsonl --margin nan)
cli_expect(train_hard_ratio RC 1 ONE_LINE ERR "^ruvllm: train: hard ratio 2, expected 0-1"
           ARGS train --data ${CLI_TMP}/none.jsonl --hard-ratio 2 --out ${CLI_TMP}/hr.gguf)
# A refused --folds leaves no directory behind (#16).
cli_expect(folds_too_many RC 1 ONE_LINE ERR "^ruvllm: --folds 100000 is more than the"
           ARGS generate --library ${TINY} --out ${CLI_TMP}/folds-refused --folds 100000)
add_test(NAME cli.folds_too_many_leaves_nothing
         COMMAND sh -c "! test -e ${CLI_TMP}/folds-refused")
set_tests_properties(cli.folds_too_many_leaves_nothing PROPERTIES LABELS cli DEPENDS cli.folds_too_many)
# docs/cli.md, the CLI reference, is what the binary's --help says (scripts/cli_reference).
add_test(NAME cli.reference COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/cli_reference --check
         ${RUVLLM_BIN})
set_tests_properties(cli.reference PROPERTIES LABELS cli)
# Fault injection (#16): SIGKILL at a ladder of delays during generate, generate --stream,
# pretrain, train (then --resume), quantize and merge; SIGTERM/SIGINT leave no temp file.
add_test(NAME cli.kill COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/kill_cli.sh ${RUVLLM_BIN} ${TINY})
set_tests_properties(cli.kill PROPERTIES LABELS "cli;slow" TIMEOUT 600)
# Parquet and dataset directories wherever labelled data is read (#17): the tiny dataset made
# with --format parquet and --format hf (the same seed, so the same splits) gives eval the same
# table as its JSONL (latency aside), and train reads Parquet and a Hugging Face directory's
# validation and test splits.
add_test(NAME cli.train_generate_parquet
         COMMAND ${RUVLLM_BIN} generate --library ${TINY} --labels agents --per-agent 40
                 --format parquet --compression zstd --out ${TRAIN_DIR}/pq -q)
add_test(NAME cli.train_generate_hf
         COMMAND ${RUVLLM_BIN} generate --library ${TINY} --labels agents --per-agent 40
                 --format hf --compression snappy --license apache-2.0 --out ${TRAIN_DIR}/hf -q)
set_tests_properties(cli.train_generate_parquet cli.train_generate_hf PROPERTIES
                     LABELS cli DEPENDS cli.train_setup)
cli_expect(eval_parquet RC 0 OUT "on .*claude_training_test.parquet: [0-9]+ examples, 2 labels.*hybrid"
           ARGS eval -m ${TRAIN_DIR}/router.gguf -i ${TRAIN_DIR}/pq/claude_training_test.parquet)
add_test(NAME cli.eval_parquet_and_hf_as_jsonl
         COMMAND sh -c "e() { '${RUVLLM_BIN}' eval -m '${TRAIN_DIR}/router.gguf' -i \"$1\" | grep -v latency | tail -n +2; }
                        a=$(e '${TRAIN_DIR}/ds/claude_training_test.jsonl') && test -n \"$a\" &&
                        test \"$a\" = \"$(e '${TRAIN_DIR}/pq/claude_training_test.parquet')\" &&
                        test \"$a\" = \"$(e '${TRAIN_DIR}/hf')\"")
set_tests_properties(cli.eval_parquet_and_hf_as_jsonl PROPERTIES LABELS cli)
cli_expect(eval_hf_unknown_split RC 1 ONE_LINE
           ERR "^ruvllm: .*hf: a directory without split 'dev'.*splits there: test, train, validation\\)"
           ARGS eval -m ${TRAIN_DIR}/router.gguf -i ${TRAIN_DIR}/hf --split dev)
cli_expect(train_parquet_and_hf RC 0 ERR "held-out test: accuracy [0-9.]+, macro-F1 [0-9.]+ \\([0-9]+ examples\\)"
           ARGS train --data ${TRAIN_DIR}/pq/claude_training_train.parquet --val ${TRAIN_DIR}/hf
                --test ${TRAIN_DIR}/hf --base ${TRAIN_DIR}/base.gguf --dim 8 --epochs 1
                --out ${TRAIN_DIR}/pq-router.gguf)
set_tests_properties(cli.eval_parquet cli.eval_parquet_and_hf_as_jsonl cli.eval_hf_unknown_split
                     PROPERTIES DEPENDS "cli.train_tiny;cli.train_generate_parquet;cli.train_generate_hf")
set_tests_properties(cli.train_parquet_and_hf PROPERTIES
                     DEPENDS "cli.pretrain_tiny;cli.train_generate_parquet;cli.train_generate_hf")
# A full disk and a read-only output directory (#16), on small tmpfs mounts: needs root (CI has
# it); without it the test is skipped (77), which make test counts against the run.
add_test(NAME cli.disk COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/disk_cli.sh ${RUVLLM_BIN} ${TINY})
set_tests_properties(cli.disk PROPERTIES LABELS cli SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
