# cli_same_bytes.cmake: `ruvllm generate` twice with one seed gives byte-identical files, and a
# different seed gives a different dataset.
#   cmake -DBIN=... -DLIB=... -DDIR=... -P cli_same_bytes.cmake
file(REMOVE_RECURSE ${DIR})
foreach (run a b)
    execute_process(COMMAND ${BIN} generate --library ${LIB} --out ${DIR}/${run} --per-category 8
                            --folds 2 -q RESULT_VARIABLE rc)
    if (NOT rc EQUAL 0)
        message(FATAL_ERROR "generate failed (${rc})")
    endif()
endforeach()
execute_process(COMMAND ${BIN} generate --library ${LIB} --out ${DIR}/c --per-category 8 --seed 7
                        -q RESULT_VARIABLE rc)
foreach (f claude_training_full.jsonl claude_training_full.json claude_training_train.jsonl
           claude_training_val.jsonl claude_training_test.jsonl claude_training_stats.json
           claude_training_fold_1_of_2.jsonl README.md)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/a/${f} ${DIR}/b/${f}
                    RESULT_VARIABLE diff)
    if (NOT diff EQUAL 0)
        message(FATAL_ERROR "${f} differs between two runs with the same seed")
    endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/a/claude_training_full.jsonl
                        ${DIR}/c/claude_training_full.jsonl RESULT_VARIABLE diff)
if (diff EQUAL 0)
    message(FATAL_ERROR "seed 7 gave the same dataset as seed 42")
endif()
file(REMOVE_RECURSE ${DIR})
